"""Study 3 inputs: instruments, their responses and the KPI gaming files, checked per section."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.contracts.periods import parse_periods
from analysis.contracts.readers import source_name
from analysis.core import paths
from analysis.core.errors import InputError

if TYPE_CHECKING:
    from analysis.contracts.instruments import Instrument
    from analysis.studies import StudyInputs


def prepare(inputs: StudyInputs, errors: list[str]) -> None:
    """Read every instrument and response file and decide which sections run.

    Adds ``extras["instruments"]`` (id -> :class:`~analysis.instruments.Instrument`: the
    project's ``data/instruments`` plus the client's ``instruments_dir``, which wins for
    an id in both), ``tables["responses"]`` (id -> checked responses),
    ``extras["benchmarks"]`` (id -> benchmark file of all clients, where one exists) and,
    when both KPI files are given, ``tables["kpi_panel"]`` and ``tables["kpi_targets"]``.
    """
    definitions = _definitions(inputs, errors)
    if definitions is None:
        return
    inputs.extras["instruments"] = definitions
    responses = inputs.files.get("responses")
    if not responses:
        errors.append(
            f"{inputs.where}: no responses under data; name one file per instrument, e.g. "
            "responses: {strategic_readiness: readiness.csv}."
        )
        return
    loaded = _load_responses(inputs, definitions, responses, errors)
    inputs.tables["responses"] = loaded
    types = {definitions[key].type for key in loaded}
    for kind, section, what in (
        ("true_false", "readiness", "readiness test"),
        ("checklist", "failure_reasons", "failure-reason checklist"),
        ("two_views", "alignment", "two-views alignment survey"),
    ):
        if kind not in types:
            inputs.skip(section, f"No {what} was provided for this client.")
    inputs.extras["benchmarks"] = {
        key: paths.BENCHMARKS_DIR / f"{key}.csv"
        for key in loaded
        if (paths.BENCHMARKS_DIR / f"{key}.csv").is_file()
    }
    _kpi(inputs, errors)


def _definitions(inputs: StudyInputs, errors: list[str]) -> dict[str, Instrument] | None:
    """Return the project's instruments, the client's own replacing those of the same id.

    Each replacement gets a warning. None, with the problems added to ``errors``, when
    one cannot be read.
    """
    from analysis import instruments as ins

    files = inputs.files
    try:
        definitions = ins.load_instruments(paths.INSTRUMENTS_DIR)
        if "instruments_dir" in files:
            own = ins.load_instruments(files["instruments_dir"], inside=inputs.folder)
            for key in sorted(set(own) & set(definitions)):
                inputs.warnings.append(
                    f"{files['instruments_dir'].name}/: instrument {key!r} replaces the project's instrument "
                    "of the same id for this client; its answers are not pooled into the cross-client "
                    "benchmark of that id. Give it its own id if it is a different instrument."
                )
            definitions.update(own)
    except InputError as error:
        errors += error.problems
        return None
    return definitions


def _load_responses(
    inputs: StudyInputs,
    definitions: dict[str, Instrument],
    responses: dict[str, Path],
    errors: list[str],
) -> dict[str, pd.DataFrame]:
    """Return the checked responses of each instrument with enough respondents.

    An unknown instrument, an unreadable file or too few respondents is an error.
    """
    from analysis import instruments as ins

    loaded = {}
    for key, path in responses.items():
        instrument = definitions.get(key)
        if instrument is None:
            errors.append(
                f"{inputs.where}: responses for unknown instrument {key!r}; instruments: "
                f"{', '.join(definitions)} (data/instruments/ and the client's instruments_dir)."
            )
            continue
        try:
            loaded[key] = ins.load_responses(path, instrument)
        except InputError as error:
            errors += error.problems
            continue
        minimum = inputs.params.min_cell_size
        if len(loaded[key]) < minimum:
            errors.append(
                f"{source_name(path)}: {len(loaded[key])} respondent(s) for instrument {key}; at least "
                f"min_cell_size = {minimum} are needed, or the shares would reveal individual answers. "
                "Collect more responses, or lower min_cell_size in client.yml if the respondents agreed."
            )
            del loaded[key]
            continue
        if instrument.type == "two_views":
            _groups(inputs, loaded[key], source_name(path))
    return loaded


def _groups(inputs: StudyInputs, data, source: str) -> None:
    for group, n in data["group"].value_counts().items():
        if n < 2:
            lines = ", ".join(str(int(i) + 2) for i in data.index[data["group"] == group][:5])
            inputs.warnings.append(
                f"{source}: column group has {group!r} for one respondent only (lines {lines}); its "
                "agreement (r_wg, alpha) cannot be computed and its shares are suppressed."
            )


def _kpi(inputs: StudyInputs, errors: list[str]) -> None:
    """Read and check the KPI panel and targets for the gaming check.

    The targets are a file's, the plan's, or both; without them the section is left out.
    """
    files = inputs.files
    planned = _planned_targets(inputs)
    if not _kpi_files_given(inputs, planned, errors):
        return
    read = _read_kpi(files, planned, errors)
    if read is None:
        return
    panel, targets = read
    panel_name = source_name(files["kpi_panel_path"])
    targets_name = (
        source_name(files["kpi_targets_path"]) if "kpi_targets_path" in files else PLAN_SOURCE
    )
    raw_periods = panel["period"].copy() if "period" in panel else None
    problem = _parse_kpi_periods(
        (panel, "period", panel_name), (targets, "start_period", targets_name)
    )
    if problem:
        errors.append(problem)
        return
    also_planned = planned if planned is not None and "kpi_targets_path" in files else None
    problems = _kpi_problems(panel, targets, also_planned, raw_periods, panel_name, targets_name)
    if problems:
        errors += problems
        return
    if also_planned is not None:
        planned = also_planned.assign(start_period=parse_periods(also_planned["start_period"])[0])
        both: pd.DataFrame = pd.concat(
            [targets.assign(set_by=targets_name), planned], ignore_index=True
        )
        targets = both.drop_duplicates(["metric", "start_period", "scope"], ignore_index=True)
    inputs.tables.update(kpi_panel=panel, kpi_targets=targets)


def _kpi_files_given(inputs: StudyInputs, planned: pd.DataFrame | None, errors: list[str]) -> bool:
    """Return True when the gaming check has an activity panel and targets.

    The plan's KPIs stand in for a targets file. Otherwise leave the section out, with an
    error for a file given without its partner.
    """
    files = inputs.files
    given = [name for name in ("kpi_panel_path", "kpi_targets_path") if name in files]
    if planned is not None and "kpi_panel_path" not in files:
        inputs.skip(
            "kpi",
            "The measurement plan sets activity KPIs ("
            + ", ".join(planned["metric"])
            + "), but no activity panel was provided, so they could not be "
            "checked for gaming.",
        )
        if "kpi_targets_path" in files:
            errors.append(
                f"{inputs.where}: kpi_targets_path is set but kpi_panel_path is not; the KPI gaming "
                "check needs the activity panel."
            )
        return False
    if planned is not None and "kpi_targets_path" not in files:
        given.append("kpi_targets_path")
    if len(given) < 2:
        if given:
            other = ({"kpi_panel_path", "kpi_targets_path"} - set(given)).pop()
            errors.append(
                f"{inputs.where}: {given[0]} is set but {other} is not; the KPI gaming check needs both "
                "(or remove both)."
            )
        inputs.skip(
            "kpi",
            "No activity panel and KPI targets were provided, so the gaming check was not run.",
        )
        return False
    return True


def _read_kpi(
    files: dict, planned: pd.DataFrame | None, errors: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Return the activity panel and the targets (the file's, else the plan's).

    None, with the problems added to ``errors``, when a file cannot be read.
    """
    from analysis.contracts.readers import read_table

    try:
        panel = read_table(files["kpi_panel_path"], dtype={"rep_id": "string"})
        if "kpi_targets_path" in files:
            targets = read_table(files["kpi_targets_path"], dtype={"start_period": "string"})
        else:
            assert planned is not None  # checked above: no targets file without a plan's KPIs
            targets = planned
    except InputError as error:
        errors += error.problems
        return None
    return panel, targets


def _parse_kpi_periods(*columns: tuple[pd.DataFrame, str, str]) -> str:
    """Parse each (frame, column, file name)'s periods in place; the first problem, or ""."""
    for frame, column, name in columns:
        if column in frame:
            frame[column], problem = parse_periods(frame[column])
            if problem:
                return f"{name}: column {column}: {problem}."
    return ""


def _kpi_problems(
    panel: pd.DataFrame,
    targets: pd.DataFrame,
    also_planned: pd.DataFrame | None,
    raw_periods: pd.Series | None,
    panel_name: str,
    targets_name: str,
) -> list[str]:
    """Return what stops the gaming check.

    That is the panel's rows and columns, and targets (the plan's too, when a file adds
    to them) that the panel cannot check.
    """
    from analysis import kpi_gaming
    from analysis.contracts.quality import cross_column_problems
    from analysis.contracts.training import duplicate_rows_message

    problems = cross_column_problems(panel, panel_name)
    if raw_periods is not None and "rep_id" in panel:
        dup = panel.duplicated(["rep_id", "period"], keep=False)
        if dup.any():
            problems.append(duplicate_rows_message(raw_periods, dup, panel_name))
    if also_planned is not None:
        plan_targets, problem = parse_periods(also_planned["start_period"])
        if problem:
            return [f"{PLAN_SOURCE}: start_period: {problem}."]
        problems += kpi_gaming.target_problems(
            panel,
            also_planned.assign(start_period=plan_targets),
            source=PLAN_SOURCE,
            panel_source=panel_name,
        )
    problems += kpi_gaming.target_problems(
        panel, targets, source=targets_name, panel_source=panel_name
    )
    return problems


#: Where the plan's activity KPIs come from, as messages name it.
PLAN_SOURCE = "client.yml plan.activity_kpis"


def _planned_targets(inputs: StudyInputs) -> pd.DataFrame | None:
    """Return the plan's activity KPIs as KPI targets, or None.

    The targets have columns ``metric, start_period, scope, set_by``.
    """
    if inputs.plan is None or not inputs.plan.plan.activity_kpis:
        return None
    return pd.DataFrame(
        [
            {"metric": k.metric, "start_period": k.start_period, "scope": k.scope, "set_by": "plan"}
            for k in inputs.plan.plan.activity_kpis
        ]
    )
