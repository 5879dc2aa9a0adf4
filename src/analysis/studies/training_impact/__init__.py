"""Study 2 inputs: reps, panel (or cross-section), reactions, assessments and costs, checked per section."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.clients.parameters import TrainingImpact
from analysis.contracts.quality import dominant_value, non_finite, share_outside, small_whole_money
from analysis.contracts.readers import file_lines, source_name
from analysis.contracts.training import (
    MEASURE_UNITS,
    load_costs,
    load_cross_section,
    load_training_data,
    training_panel,
)
from analysis.core.errors import InputError
from analysis.studies.training_impact.plan_checks import check_plan_measures

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

#: Fewest trained reps with assessments for the learning-behaviour-results chain.
MIN_CHAIN_REPS = 10
#: How an outcome of each unit is shown in tables (see :func:`analysis.report.table`).
DISPLAY_UNITS = {"money": "currency", "count": "number", "rate": "share", "score": "number"}

#: Largest magnitude accepted in a modelled column: beyond it a figure is a parsing or
#: unit mistake, and squares of values near 1e154 overflow double precision.
LARGEST = 1e15


def _lines(mask: pd.Series) -> str:
    """``line 7`` or ``lines 2, 5 and 3 more`` for the flagged rows (:func:`file_lines`)."""
    return f"line{'s' if int(mask.sum()) > 1 else ''} {file_lines(mask)}"


def _params(inputs: StudyInputs) -> TrainingImpact:
    """Return the study's typed parameters, as :func:`analysis.studies.load_study` checked them."""
    assert isinstance(inputs.params, TrainingImpact), type(inputs.params)
    return inputs.params


def prepare(inputs: StudyInputs, errors: list[str]) -> None:
    """Read the study-2 files and decide which sections run (see :mod:`analysis.studies`).

    Adds ``tables`` (the contract tables), ``tables["data"]`` (the panel joined with the
    reps, or the cross-section), ``extras["covariates"]`` (those that vary),
    ``extras["panel_design"]``, ``extras["start"]`` and ``extras["errors_note"]`` (how
    the intervals treat repeated rows, for captions).
    """
    p, files = _params(inputs), inputs.files
    panel_design = p.time is not None
    _design_extras(inputs, p, panel_design)
    if _files_missing(inputs, panel_design, errors):
        return
    source = source_name(files["panel_path"])
    read = _read_tables(inputs, p, panel_design, errors)
    if read is None:
        return
    tables, data = read
    if panel_design:
        _trained_only(inputs, tables)
        _unit_changes(inputs, tables, p.outcome)
        _label_typos(inputs, tables["reps"])
    inputs.tables.update(tables)
    inputs.tables["data"] = data
    _columns(inputs, data, source, errors)
    if not errors:
        _plausible(inputs, tables, data, source, errors)
        _currency_as_imported(inputs, errors)
    if errors:
        return
    _variation(inputs, data, source, errors)
    _sections(inputs, tables, data, source)
    _units(inputs, tables, data)
    _margin_stated(inputs)
    check_plan_measures(inputs, data, source, p.outcome)


def _design_extras(inputs: StudyInputs, p: TrainingImpact, panel_design: bool) -> None:
    """Record the design, the outcome's label and how the intervals treat repeated rows.

    The design is a panel or a cross-section; the sections and their captions use all three.
    """
    inputs.extras.update(
        panel_design=panel_design,
        start="training_start" if panel_design else None,
        outcome_label=p.outcome_label or p.outcome.replace("_", " "),
        errors_note=(
            f"clustered by {p.cluster}"
            if p.cluster
            else "clustered by rep"
            if panel_design
            else "heteroskedasticity-robust"
        ),
    )


def _files_missing(inputs: StudyInputs, panel_design: bool, errors: list[str]) -> bool:
    """Add an error naming the files the design needs and data does not list; True if any."""
    needed = ("reps_path", "panel_path") if panel_design else ("panel_path",)
    missing = [name for name in needed if name not in inputs.files]
    if missing:
        design = "a rep-period panel" if panel_design else "a cross-section (time: null)"
        errors.append(
            f"{inputs.where}: no {' or '.join(missing)} under data; {design} needs "
            + ", ".join(f"{name}: {name.removesuffix('_path')}.csv" for name in missing)
            + "."
        )
    return bool(missing)


def _read_tables(
    inputs: StudyInputs, p: TrainingImpact, panel_design: bool, errors: list[str]
) -> tuple[dict, pd.DataFrame] | None:
    """Return the contract tables and the modelled data, or None when a file cannot be read.

    The modelled data is the panel joined with reps, or the cross-section. On None, the
    problems are added to ``errors``.
    """
    files = inputs.files
    try:
        if panel_design:
            tables = load_training_data(
                reps_path=files["reps_path"],
                panel_path=files["panel_path"],
                reactions_path=files.get("reactions_path"),
                assessments_path=files.get("assessments_path"),
                costs_path=files.get("costs_path"),
            )
            return tables, training_panel(tables)
        tables = {"costs": load_costs(files["costs_path"])} if "costs_path" in files else {}
        cross_section = _cross_section(files["panel_path"], p, errors)
    except InputError as error:
        errors += error.problems
        return None
    if cross_section is None:
        return None
    return tables, cross_section


def _margin_stated(inputs: StudyInputs) -> None:
    """Say when the ROI rests on a margin the client never stated, instead of assuming it.

    Nothing is said when no ROI is computed.
    """
    p = _params(inputs)
    if not inputs.runs("roi") or "margin" in p.model_fields_set:
        return
    inputs.warnings.append(
        f"{inputs.where}: margin is not stated, so the ROI assumes that {p.margin:.0%} of the "
        "money the training adds is profit contribution, the workbench's default, not the "
        "client's figure. Ask the client for it and set margin (e.g. margin: 0.3)."
    )


def _currency_as_imported(inputs: StudyInputs, errors: list[str]) -> None:
    """client.yml's currencies against the units the codebook gave the imported columns.

    ``workbench import`` writes the currency into client.yml; one edited afterwards would
    print every figure in a currency the data are not in (a wrong number, not a typo).
    """
    from analysis.ingest.record import import_units

    p = _params(inputs)
    folders = {
        Path(path).parent.parent
        for key, path in inputs.files.items()
        if key.endswith("_path") and isinstance(path, Path) and Path(path).parent.name == "imported"
    }
    stated = {
        "outcome": (p.outcome, p.currency),
        "amount": ("amount", p.costs_currency or p.currency),
    }
    for folder in folders:
        for table, columns in import_units(folder).items():
            for role, (column, currency) in stated.items():
                recorded = (columns.get(column) or {}).get("currency")
                if role == "amount" and table != "costs":
                    continue
                if role == "outcome" and table == "costs":
                    continue
                if recorded and currency and recorded != currency:
                    key = (
                        "currency"
                        if role == "outcome" or not p.costs_currency
                        else "costs_currency"
                    )
                    errors.append(
                        f"{inputs.where}: {key} is {currency}, but the codebook's units say {table}."
                        f"{column} is in {recorded} (imported/import_record.json): every figure would "
                        f"carry the wrong currency. Set {key}: {recorded}, or correct the units in "
                        "codebook.yml and run `workbench import` again."
                    )


def _units(inputs: StudyInputs, tables: dict, data: pd.DataFrame) -> None:
    """``inputs.units``; costs in another currency converted at the stated rate, or ROI refused."""
    from dataclasses import replace

    from analysis.studies.training_impact.units import costs_in_outcome_currency, study_units

    units = study_units(_params(inputs), data, inputs.extras["outcome_unit"])
    if tables.get("costs") is not None and inputs.runs("roi"):
        source = source_name(inputs.files["costs_path"])
        costs, refused = costs_in_outcome_currency(tables["costs"], units, source)
        if refused:
            fix = (
                f"set exchange_rate ({units.currency} per 1 {units.costs_currency})"
                if units.currency
                else f"set currency (the outcome's ISO code) and, if it is not "
                f"{units.costs_currency}, exchange_rate"
            )
            inputs.skip("roi", refused, f"{fix} under studies.training_impact.parameters")
        elif costs is not tables["costs"]:
            inputs.tables["costs"] = costs
            units = replace(units, costs_converted=True)
    inputs.units = units


def _some(levels: list[str], limit: int = 5) -> str:
    """Write ``'a', 'b' and 3 more`` for messages about many levels."""
    shown = ", ".join(repr(level) for level in levels[:limit])
    return shown + (f" and {len(levels) - limit} more" if len(levels) > limit else "")


def _cross_section(path, p, errors: list[str]) -> pd.DataFrame | None:
    from analysis.contracts.readers import read_table

    header = read_table(path, dtype={p.unit: "string"}).columns
    named = {
        "outcome": p.outcome,
        "treatment": p.treatment,
        **{f"covariates[{i}]": c for i, c in enumerate(p.covariates)},
    }
    absent = {role: column for role, column in named.items() if column not in header}
    if absent:
        errors += [
            _not_found(role, column, source_name(path), header) for role, column in absent.items()
        ]
        return None
    return load_cross_section(path, columns=[p.outcome, p.treatment, *p.covariates], unit=p.unit)


def _not_found(role: str, column: str, source: str, columns) -> str:
    close = difflib.get_close_matches(column, [str(c) for c in columns], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{source}: {role} column {column!r} is not in the data; columns: "
        f"{', '.join(map(str, columns))}.{hint}"
    )


def _columns(inputs: StudyInputs, data: pd.DataFrame, source: str, errors: list[str]) -> None:
    """Every column a parameter names is in the data, has one role, and holds usable numbers."""
    p = _params(inputs)
    _columns_exist(inputs, data, source, errors)
    _one_role_each(inputs, errors)
    numeric = {
        "outcome": p.outcome,
        "behaviour": p.behaviour,
        **{f"covariates[{i}]": c for i, c in enumerate(p.covariates)},
    }
    for role, column in numeric.items():
        if column is not None and column in data:
            problem = _not_numbers(data, role, column, source)
            if problem:
                errors.append(problem)


def _columns_exist(inputs: StudyInputs, data: pd.DataFrame, source: str, errors: list[str]) -> None:
    """Return an error for each column a parameter names that the data does not hold."""
    p = _params(inputs)
    named = {
        "outcome": p.outcome,
        "treatment": p.treatment,
        "unit": p.unit,
        "time": p.time,
        "behaviour": p.behaviour,
        "cluster": p.cluster,
        "segment": p.segment if inputs.extras["panel_design"] else None,
        **{f"covariates[{i}]": c for i, c in enumerate(p.covariates)},
    }
    for role, column in named.items():
        if column is not None and column not in data.columns:
            errors.append(_not_found(role, column, source, data.columns))


def _one_role_each(inputs: StudyInputs, errors: list[str]) -> None:
    """Return an error for a column named in two roles of the model, or as behaviour and outcome."""
    p = _params(inputs)
    modelled = {"outcome": p.outcome, "treatment": p.treatment, "unit": p.unit, "time": p.time}
    modelled.update({f"covariates[{i}]": c for i, c in enumerate(p.covariates)})
    roles_of: dict[str, list[str]] = {}
    for role, column in modelled.items():
        if column is not None:
            roles_of.setdefault(column, []).append(role)
    for column, roles in roles_of.items():
        if len(roles) > 1:
            errors.append(
                f"{inputs.where}: column {column!r} is named as {' and '.join(roles)}; each column "
                "can have one role in the model (drop it from covariates, or name another column)."
            )
    if p.behaviour is not None and p.behaviour in (p.outcome, p.treatment):
        errors.append(
            f"{inputs.where}: behaviour {p.behaviour!r} is also the "
            f"{'outcome' if p.behaviour == p.outcome else 'treatment'}; behaviour names what reps do "
            "(e.g. call_score) and outcome the result (e.g. revenue): name two different columns."
        )


def _not_numbers(data: pd.DataFrame, role: str, column: str, source: str) -> str:
    """Return why a modelled column cannot be used as numbers ("" when it can).

    The reasons are text, infinite or absurdly large values.
    """
    if not pd.api.types.is_numeric_dtype(data[column]):
        bad = pd.to_numeric(data[column], errors="coerce").isna() & data[column].notna()
        if bad.any():
            lines = ", ".join(str(int(i) + 2) for i in data.index[bad][:5])
            return (
                f"{source}: {role} column {column!r} holds text such as {data.loc[bad, column].iloc[0]!r} "
                f"(lines {lines}); it must be numbers."
            )
    values = pd.to_numeric(data[column], errors="coerce")
    infinite = non_finite(values, column=column, source=source)
    if infinite:
        return infinite
    huge = values.abs() > LARGEST
    if huge.any():
        return (
            f"{source}: {role} column {column!r} holds {values[huge].iloc[0]:.3g} on "
            f"{_lines(huge)}: beyond ±{LARGEST:.0e}, which no rep's figure can be; check "
            "the export's units and number format (a date or an id read as a number?)."
        )
    return ""


def _plausible(
    inputs: StudyInputs, tables: dict, data: pd.DataFrame, source: str, errors: list[str]
) -> None:
    """Check that the outcome holds what its unit says and no single row decides the estimate."""
    p = _params(inputs)
    values = data[p.outcome]
    unit = p.outcome_unit or MEASURE_UNITS.get(p.outcome)
    checks = {"money": small_whole_money, "rate": share_outside}
    if unit in checks and (message := checks[unit](values, column=p.outcome, source=source)):
        errors.append(message)
    row = "rep-period" if inputs.extras["panel_design"] else "rep"
    message = dominant_value(values, column=p.outcome, source=source, row=row)
    if message:
        errors.append(message)
    costs = tables.get("costs")
    if costs is not None:
        message = dominant_value(
            costs["amount"],
            column="amount",
            source=source_name(inputs.files["costs_path"]),
            row="cost item",
            factor=1e5,
        )
        if message:
            inputs.warnings.append(message)
        inputs.warnings += _netted_lines(costs, source_name(inputs.files["costs_path"]))


def _netted_lines(costs: pd.DataFrame, source: str) -> list[str]:
    """Name the negative cost lines netted against the others: a sign error must not hide."""
    amounts = pd.to_numeric(costs["amount"], errors="coerce")
    negative = amounts < 0
    if not negative.any():
        return []
    items = ", ".join(
        f"{item} ({amount:,.2f})"
        for item, amount in zip(costs.loc[negative, "item"], amounts[negative], strict=True)
    )
    return [
        (
            f"{source}: {items} on {_lines(negative)} "
            f"{'is' if negative.sum() == 1 else 'are'} below zero and netted against the other "
            f"costs (net {amounts.sum():,.2f}), as funding received or a refund; if a sign is wrong, "
            "correct the raw file."
        )
    ]


def _variation(inputs: StudyInputs, data: pd.DataFrame, source: str, errors: list[str]) -> None:
    p = _params(inputs)
    values = pd.to_numeric(data[p.outcome], errors="coerce")
    if values.nunique() < 2:
        errors.append(
            f"{source}: column {p.outcome} is constant "
            f"({f'{values.dropna().iloc[0]:g}' if values.notna().any() else 'empty'} "
            f"on lines 2 to {len(values) + 1}): outcome {p.outcome!r} has no variation to explain."
        )
    if pd.to_numeric(data[p.treatment], errors="coerce").nunique() < 2:
        where = (
            f"{source_name(inputs.files['reps_path'])}: column training_start"
            if "reps_path" in inputs.files
            else f"{source}: column {p.treatment}"
        )
        errors.append(
            f"{where}: treatment {p.treatment!r} never varies on lines 2 to {len(data) + 1}: nobody (or "
            "everybody) is trained, so there is nothing to compare."
        )
    if p.cluster is not None and data[p.cluster].nunique() < 2:
        errors.append(
            f"{source}: cluster column {p.cluster!r} has a single value; clustered errors need several "
            "clusters (remove cluster to cluster by rep)."
        )
    _treatment(inputs, data, source, errors)
    if inputs.extras["panel_design"] and not errors:
        _before_training(inputs, data, errors)
    modelled = [p.outcome, p.treatment, *p.covariates]
    blank = data[modelled].isna()
    if blank.any(axis=None):
        counts = ", ".join(f"{int(blank[c].sum())} in {c}" for c in modelled if blank[c].any())
        inputs.warnings.append(
            f"{source}: {int(blank.any(axis=1).sum())} of {len(data)} rows have a blank value "
            f"({counts}; {_lines(blank.any(axis=1))}); they are left out of every estimate."
        )
    kept = []
    for column in p.covariates:
        if data[column].nunique() < 2:
            inputs.warnings.append(
                f"{source}: covariate {column!r} does not vary; left out of the models."
            )
        else:
            kept.append(column)
    inputs.extras["covariates"] = kept


def _treatment(inputs: StudyInputs, data: pd.DataFrame, source: str, errors: list[str]) -> None:
    """Check that the treatment is 0/1 and, in a panel, on from each training_start, never off."""
    p = _params(inputs)
    values = pd.to_numeric(data[p.treatment], errors="coerce")
    other = values.notna() & ~values.isin([0, 1])
    if other.any():
        errors.append(
            f"{source}: treatment column {p.treatment!r} holds {values[other].iloc[0]:g} on "
            f"{_lines(other)}; a treatment marks trained (1) or not (0). Name a 0/1 column "
            "(in a panel, the default 'trained' follows each rep's training_start)."
        )
        return
    if p.time is None or p.treatment == "trained":  # a cross-section, or derived from the starts
        return
    from analysis.contracts.periods import period_index
    from analysis.effects.staggered import first_treated_index

    first = first_treated_index(data, unit=p.unit, time=p.time, start="training_start")
    implied = (period_index(data[p.time]) >= first) & first.notna()
    bad = values.notna() & (values != implied.astype(float))
    if bad.any():
        errors.append(
            f"{source}: treatment column {p.treatment!r} disagrees with training_start of "
            f"{source_name(inputs.files['reps_path'])} on {_lines(bad)} (reps "
            f"{', '.join(data.loc[bad, p.unit].astype(str).unique()[:3])}): the effects over time "
            "assume training, once started, stays on. Fix one of the two, or leave treatment "
            "at its default 'trained'."
        )


def _unit_changes(inputs: StudyInputs, tables: dict, outcome: str) -> None:
    """Warn when a money series (or the outcome) jumps by about 100x or 1000x and stays there."""
    from analysis.contracts.quality import unit_changes

    panel, reps = tables["panel"], tables["reps"]
    if "team" in reps and "team" not in panel:
        panel = panel.assign(
            team=panel["rep_id"].map(reps.drop_duplicates("rep_id").set_index("rep_id")["team"])
        )
    money = [c for c, unit in MEASURE_UNITS.items() if unit == "money"]
    for column in dict.fromkeys([outcome, *money]):
        if column in panel and pd.api.types.is_numeric_dtype(panel[column]):
            inputs.warnings += unit_changes(
                panel,
                column=column,
                by="team" if "team" in panel else None,
                source=source_name(inputs.files["panel_path"]),
            )


def _label_typos(inputs: StudyInputs, reps: pd.DataFrame | None) -> None:
    """Warn about a rare team (or region, tenure band) spelt like a common one."""
    from analysis.contracts.quality import near_duplicate_labels

    if reps is None:
        return
    for column in reps.columns:
        if column in ("team", "region", "tenure_band") or column == _params(inputs).segment:
            inputs.warnings += near_duplicate_labels(
                reps, column=column, per="rep_id", source=source_name(inputs.files["reps_path"])
            )


def _trained_only(inputs: StudyInputs, tables: dict) -> None:
    """Reactions and assessments count only for reps the reps table lists as trained.

    Rows of other reps (never trained, or not in the reps table) would inflate the
    reaction and learning figures; they are left out with a warning naming the lines.
    """
    reps = tables["reps"]
    trained = set(reps.loc[reps["training_start"].notna(), "rep_id"].astype(str).str.strip())
    for table, name in (("reactions", "reactions_path"), ("assessments", "assessments_path")):
        frame = tables.get(table)
        if frame is None or "rep_id" not in frame:
            continue
        other = ~frame["rep_id"].astype(str).str.strip().isin(trained)
        if other.any():
            inputs.warnings.append(
                f"{source_name(inputs.files[name])}: {int(other.sum())} row(s) are for reps that "
                f"{source_name(inputs.files['reps_path'])} does not list as trained ({_lines(other)}; "
                f"e.g. {frame.loc[other, 'rep_id'].iloc[0]!r}); they are left out of the "
                f"{'reaction' if table == 'reactions' else 'learning'} figures."
            )
            tables[table] = frame[~other]


def _before_training(inputs: StudyInputs, data: pd.DataFrame, errors: list[str]) -> None:
    """Trained reps must be seen before training; the event study needs two periods before."""
    from analysis.contracts.periods import period_index, time_order
    from analysis.effects.staggered import first_treated_index

    p = _params(inputs)
    assert p.time is not None  # a panel
    first = first_treated_index(data, unit=p.unit, time=p.time, start="training_start")
    before = (period_index(data[p.time]) < first).groupby(data[p.unit]).sum()
    trained = first.groupby(data[p.unit]).first().notna()
    before = before[trained[trained].index]
    reps = source_name(inputs.files["reps_path"])
    if len(before) and before.max() == 0:
        errors.append(
            f"{reps}: column training_start: every trained rep starts in the first period of the "
            f"panel ({time_order(data[p.time])[0]}), so no trained rep is seen before training and the "
            "effect cannot be told apart from who was chosen. Add the months before training to "
            "the panel."
        )
    elif len(before) and before.max() < 2:
        inputs.skip(
            "event_study",
            f"No trained rep is seen two or more periods before training ({reps}), so the "
            "effects over time and the check of trends before training cannot be computed.",
        )


def _sections(inputs: StudyInputs, tables: dict, data: pd.DataFrame, source: str) -> None:
    """Decide which sections run, in the order validate lists the ones left out."""
    if "reactions" not in tables:
        inputs.skip(
            "reaction", "No reaction survey was provided for this client.", "set reactions_path"
        )
    _learning_section(inputs, tables)
    _behaviour_section(inputs, data, source)
    _segments_section(inputs, data, source)
    _chain_section(inputs, tables, data)
    _roi_section(inputs, tables)
    _everyone_trained(inputs, data)


def _learning_section(inputs: StudyInputs, tables: dict) -> None:
    """Leave out the learning section without assessments or a before/after change to show.

    The change is not shown with too few reps or no spread.
    """
    if "assessments" not in tables:
        inputs.skip(
            "learning",
            "No assessment scores from before and after training were provided for this client.",
            "set assessments_path",
        )
        return
    scores = tables["assessments"][["score_before", "score_after"]].apply(
        pd.to_numeric, errors="coerce"
    )
    gains = (scores["score_after"] - scores["score_before"]).dropna()
    name = source_name(inputs.files["assessments_path"])
    if len(gains) < 3:
        inputs.skip(
            "learning",
            f"{name}: {len(gains)} rep(s) have both scores; the before/after comparison "
            "needs at least 3.",
        )
    elif gains.nunique() == 1:
        inputs.skip(
            "learning",
            f"{name}: every rep's score changed by exactly {gains.iloc[0]:g} points, so the "
            "change has no spread and no test or interval can be computed; check that "
            "score_after is not a copy of score_before.",
        )


def _behaviour_section(inputs: StudyInputs, data: pd.DataFrame, source: str) -> None:
    """Leave out behaviour without a panel or a varying measure.

    A cross-section also leaves out the effects over time and by segment.
    """
    p = _params(inputs)
    if not inputs.extras["panel_design"]:
        inputs.skip(
            "behaviour",
            "Behaviour over time needs a rep-period panel; this client provided a cross-section.",
        )
        inputs.skip(
            "event_study",
            "Effects over time need a rep-period panel; this client provided a cross-section.",
        )
        inputs.skip(
            "segments",
            "Effects by segment need a rep-period panel; this client provided a cross-section.",
        )
    elif p.behaviour is None:
        inputs.skip(
            "behaviour",
            "No behaviour measure was named for this client (such as a call score recorded "
            "each period), so what reps do differently is not measured.",
            "set behaviour to a panel column",
        )
    elif pd.to_numeric(data[p.behaviour], errors="coerce").nunique() < 2:
        inputs.skip(
            "behaviour",
            f"The behaviour measure {p.behaviour!r} does not vary in {source}, so level 3 is left out.",
        )


def _segments_section(inputs: StudyInputs, data: pd.DataFrame, source: str) -> None:
    """Leave out the effects by segment unless every level has trained and untrained periods.

    Warn about levels too small to show.
    """
    p = _params(inputs)
    if p.segment is None:
        inputs.skip(
            "segments",
            "No grouping of reps (such as tenure or team) was named for this client.",
            "set segment to a column of the reps",
        )
        return
    if not inputs.extras["panel_design"]:
        return
    reps = data.groupby(p.segment)[p.unit].nunique()
    if len(reps) < 2:
        inputs.skip(
            "segments",
            f"Segment {p.segment!r} has a single level, so there is nothing to compare.",
        )
    mixed = data.groupby(p.segment)[p.treatment].nunique() == 2
    flat = mixed.index[~mixed].astype(str).tolist()
    small = [str(level) for level, n in reps.items() if n < p.min_cell_size]
    if flat:
        inputs.skip(
            "segments",
            f"Segment {p.segment!r}: {_some(flat)} ha{'s' if len(flat) == 1 else 've'} no "
            "trained or no untrained rep-periods, so their effects cannot be estimated; name a "
            "segment whose every level has both (e.g. a team or region).",
        )
    elif len(small) == len(reps):
        inputs.skip(
            "segments",
            f"Segment {p.segment!r}: every level has fewer than min_cell_size "
            f"({p.min_cell_size}) reps, so every effect would be suppressed.",
        )
    elif small:
        inputs.warnings.append(
            f"{source}: segment {p.segment} {_some(small)} ha{'s' if len(small) == 1 else 've'} "
            f"fewer than {p.min_cell_size} reps; {'its effect is' if len(small) == 1 else 'their effects are'} "
            f"suppressed (min_cell_size {p.min_cell_size})."
        )


def _chain_section(inputs: StudyInputs, tables: dict, data: pd.DataFrame) -> None:
    """Leave out the learning-behaviour-results chain without both levels or enough reps.

    Too few trained reps assessed leave it out too.
    """
    if not inputs.runs("behaviour") or not inputs.runs("learning"):
        inputs.skip(
            "chain",
            "The learning-behaviour-results chain needs assessments and a behaviour measure over time.",
        )
    elif (
        tables["assessments"]["rep_id"]
        .isin(data.loc[data["training_start"].notna(), _params(inputs).unit])
        .sum()
        < MIN_CHAIN_REPS
    ):
        inputs.skip(
            "chain",
            f"The learning-behaviour-results chain needs at least {MIN_CHAIN_REPS} trained reps with "
            "assessments.",
        )


def _roi_section(inputs: StudyInputs, tables: dict) -> None:
    """Record the outcome's unit; leave out the ROI when it cannot be computed.

    That is without costs, without a money value of the outcome, or with costs summing to zero.
    """
    p = _params(inputs)
    unit = p.outcome_unit or MEASURE_UNITS.get(p.outcome)
    inputs.extras["outcome_unit"] = unit
    inputs.extras["display_unit"] = DISPLAY_UNITS.get(unit or "", "number")
    if tables.get("costs") is None:
        inputs.skip(
            "roi",
            "The programme's costs were not provided, so no return on investment is computed.",
            "set costs_path",
        )
    elif unit != "money" and p.value_per_unit is None:
        what = f"a {unit}" if unit else "in a unit the report does not know"
        inputs.skip(
            "roi",
            f"The outcome, {inputs.extras['outcome_label']}, is {what}, not money, and the "
            "client has not given its money value per unit (such as the average revenue of "
            "one), so no return on the costs is computed.",
            f"set value_per_unit (money per unit of {p.outcome}), or outcome_unit: money if it "
            "is money",
        )
    elif float(pd.to_numeric(tables["costs"]["amount"], errors="coerce").sum()) <= 0:
        inputs.skip(
            "roi",
            f"{source_name(inputs.files['costs_path'])}: the programme costs sum to zero, so a return on them "
            "is undefined; no ROI is computed. Add the costs (trainer fees, reps' time, ...).",
        )


def _everyone_trained(inputs: StudyInputs, data: pd.DataFrame) -> None:
    """Warn when every rep of a panel is trained.

    The last cohort's periods then have no untrained rep to compare with.
    """
    p = _params(inputs)
    if not inputs.extras["panel_design"]:
        return
    if "training_start" in data and data["training_start"].notna().any():
        starts = data.groupby(p.unit)["training_start"].first()
        if starts.notna().all():
            last = starts.max()
            after = sorted(x for x in data[p.time].unique() if x >= last)
            inputs.warnings.append(
                f"{source_name(inputs.files['reps_path'])}: column training_start: every rep is "
                f"trained (the last cohort starts {last}, lines 2 to {len(starts) + 1}), so there "
                f"is no never-trained group: periods {after[0]} to {after[-1]} have no "
                "untrained rep to compare with and are left out of the staggered estimates."
            )
