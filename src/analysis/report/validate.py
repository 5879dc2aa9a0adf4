"""``workbench validate``: check everything a client's render needs, and report every problem at once.

For each study in the client's ``client.yml``: the parameters against the notebook,
and the data files against the study contract (the same loaders the notebooks use),
plus checks that would otherwise only fail inside a model (a constant outcome, nobody
trained, a stakeholder group with one respondent). Problems are errors (the render
would fail or mislead) or warnings (it runs, with caveats).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from analysis.inputs import paths
from analysis.inputs.importers import stale_imports
from analysis.inputs.readers import DataContractError
from analysis.report.clients import Client, ClientConfigError, StudySpec, check_parameters, load_client


@dataclass(frozen=True)
class Problem:
    """One finding: ``level`` is "error" or "warning"."""

    level: str
    study: str
    message: str


def _errors(study: str, error: Exception) -> list[Problem]:
    lines = [line for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]  # drop the heading "The ... do not match the contract:"
    return [Problem("error", study, line) for line in lines]


def validate_org_effectiveness(spec: StudySpec) -> list[Problem]:
    from analysis.inputs.survey_contract import load_survey

    path = spec.data_files.get("survey_path")
    if path is None:
        return [Problem("error", spec.study, "client.yml gives no survey_path under data.")]
    try:
        data = load_survey(path)
    except DataContractError as error:
        return _errors(spec.study, error)
    problems = []
    minimum = int(spec.parameters.get("min_cell_size", 5))
    groups = data["effectiveness"].astype("string").map(
        {"not effective": "ineffective", "somewhat effective": "ineffective"}).fillna(data["effectiveness"].astype("string"))
    for group in ("ineffective", "very effective"):
        n = int((groups == group).sum())
        if n < minimum:
            problems.append(Problem("warning", spec.study, f"{Path(path).name}: column effectiveness: only {n} {group} respondent(s); "
                                    f"comparisons with that group will be suppressed (minimum {minimum})."))
    return problems


def validate_training_impact(spec: StudySpec) -> list[Problem]:
    from analysis.inputs.training_contract import load_cross_section, load_training_data, training_panel

    parameters = spec.parameters
    outcome = parameters.get("outcome", "revenue")
    treatment = parameters.get("treatment", "trained")
    problems: list[Problem] = []
    try:
        if parameters.get("time", "period") is None:
            covariates = list(parameters.get("covariates", []))
            data = load_cross_section(spec.data_files["panel_path"], columns=[outcome, treatment, *covariates])
        else:
            tables = load_training_data(**{k: spec.data_files.get(k) for k in (
                "reps_path", "panel_path", "reactions_path", "assessments_path", "costs_path")})
            data = training_panel(tables)
    except KeyError as error:
        return [Problem("error", spec.study, f"client.yml gives no {error.args[0]} under data.")]
    except DataContractError as error:
        return _errors(spec.study, error)
    source = Path(spec.data_files["panel_path"]).name
    if outcome not in data:
        return [Problem("error", spec.study, f"{source}: outcome column {outcome!r} is not in the data.")]
    values = pd.to_numeric(data[outcome], errors="coerce")
    if values.nunique() < 2:
        problems.append(Problem("error", spec.study, f"{source}: column {outcome} is constant ({values.iloc[0]:g} on "
                                f"lines 2 to {len(values) + 1}): outcome {outcome!r} has no variation to explain."))
    if treatment in data and pd.to_numeric(data[treatment], errors="coerce").nunique() < 2:
        where = (f"{Path(spec.data_files['reps_path']).name}: column training_start" if "reps_path" in spec.data_files
                 else f"{source}: column {treatment}")
        problems.append(Problem("error", spec.study, f"{where}: treatment {treatment!r} never varies on lines 2 to "
                                f"{len(data) + 1}: nobody (or everybody) is trained, so there is nothing to compare."))
    if "training_start" in data and "rep_id" in data and "period" in data and data["training_start"].notna().any():
        starts = data.groupby("rep_id")["training_start"].first()
        if starts.notna().all():
            last = starts.max()
            after = sorted(p for p in data["period"].unique() if p >= last)
            reps_file = Path(spec.data_files["reps_path"]).name
            problems.append(Problem("warning", spec.study, (
                f"{reps_file}: column training_start: every rep is trained (the last cohort starts {last}, lines 2 to "
                f"{len(starts) + 1}), so there is no never-trained group: periods {after[0]} to {after[-1]} have no "
                "untrained rep to compare with and are left out of the staggered estimates.")))
    segment = parameters.get("segment", "tenure_band")
    if segment and segment in data and "rep_id" in data:
        reps = data.groupby(segment)["rep_id"].nunique()
        for level, n in reps.items():
            if n < int(parameters.get("min_cell_size", 5)):
                problems.append(Problem("warning", spec.study, f"segment {segment}={level!r} has {n} rep(s); its effect will be suppressed."))
    return problems


def validate_readiness_alignment(spec: StudySpec) -> list[Problem]:
    from analysis import instruments as ins
    from analysis import kpi_gaming
    from analysis.inputs.readers import read_table

    problems: list[Problem] = []
    folder = Path(spec.parameters.get("instruments_dir") or paths.INSTRUMENTS_DIR)
    try:
        definitions = ins.load_instruments(folder)
    except DataContractError as error:
        return _errors(spec.study, error)
    for key, path in (spec.data_files.get("responses") or {}).items():
        instrument = definitions.get(key)
        if instrument is None:
            problems.append(Problem("error", spec.study, f"client.yml: responses for unknown instrument {key!r}; "
                                    f"instruments in {folder.name}/: {', '.join(definitions)}."))
            continue
        try:
            data = ins.load_responses(path, instrument)
        except DataContractError as error:
            problems += _errors(spec.study, error)
            continue
        if instrument.type == "two_views":
            sizes = data["group"].value_counts()
            for group, n in sizes.items():
                if n < 2:
                    lines = ", ".join(str(int(i) + 2) for i in data.index[data["group"] == group][:5])
                    problems.append(Problem("warning", spec.study, f"{Path(path).name}: column group has {group!r} for one "
                                            f"respondent only (lines {lines}); its agreement (r_wg, alpha) cannot be "
                                            "computed and its shares are suppressed."))
    panel_path, targets_path = spec.data_files.get("kpi_panel_path"), spec.data_files.get("kpi_targets_path")
    if panel_path and targets_path:
        try:
            targets = read_table(targets_path)
            kpi_gaming.gaming_check(read_table(panel_path, dtype={"rep_id": "string"}), targets)
        except DataContractError as error:
            problems += _errors(spec.study, error)
        except (ValueError, KeyError) as error:
            problems.append(Problem("error", spec.study, f"{Path(targets_path).name}: {error}"))
    return problems


VALIDATORS: dict[str, Callable[[StudySpec], list[Problem]]] = {
    "org_effectiveness": validate_org_effectiveness,
    "training_impact": validate_training_impact,
    "readiness_alignment": validate_readiness_alignment,
}


def validate_client(client_id: str, clients_dir: Path | None = None, notebooks_dir: Path | None = None) -> list[Problem]:
    """Every problem a render of this client would meet, errors and warnings."""
    import papermill

    folder = (clients_dir or paths.CLIENTS_DIR) / client_id
    try:
        client: Client = load_client(folder, notebooks_dir)
    except ClientConfigError as error:
        return [Problem("error", "client.yml", str(error))]
    problems: list[Problem] = [Problem("error", "import", message) for message in stale_imports(folder)]
    for name, spec in client.studies.items():
        try:
            given = ["client_name", "client_id", *spec.data_files, *spec.parameters]
            if isinstance(spec.data_files.get("responses"), dict):
                given.append("benchmarks")
            check_parameters(name, spec.notebook, given, papermill.inspect_notebook(str(spec.notebook)),
                             f"data/clients/{client_id}/client.yml")
        except ClientConfigError as error:
            problems.append(Problem("error", name, str(error)))
        validator = VALIDATORS.get(name)
        if validator is None:
            problems.append(Problem("warning", name, f"no contract check is defined for study {name!r}; only parameters were checked."))
            continue
        problems += validator(spec)
    return problems
