"""Study 1 inputs: the learning-leader survey, checked for every section of the report."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import numpy as np

from analysis.clients.parameters import OrgEffectiveness
from analysis.contracts.quality import dominant_value, non_finite
from analysis.contracts.readers import source_name
from analysis.contracts.survey import BLOCK_NAMES, PRACTICES, asked, load_survey
from analysis.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from analysis.studies import StudyInputs

__all__ = ["COUNT_TERMS", "MODEL_TERMS", "SECTION_BLOCKS", "describe_design", "prepare"]

#: Fewest respondents for which the regression section is attempted, per parameter.
MODEL_TERMS = (*PRACTICES["alignment"], *PRACTICES["sustainment"])


def _params(inputs: StudyInputs) -> OrgEffectiveness:
    """Return the study's typed parameters, as :func:`analysis.studies.load_study` checked them."""
    assert isinstance(inputs.params, OrgEffectiveness), type(inputs.params)
    return inputs.params


def prepare(inputs: StudyInputs, errors: list[str]) -> None:
    """Read the survey and decide which sections run (see :mod:`analysis.studies`).

    Adds ``tables["responses"]`` (with the derived columns of
    :func:`analysis.survey.prepare_responses`), ``extras["ordinal_terms"]`` and
    ``extras["binary_terms"]`` (practices that vary in each model's data).
    """
    from analysis import survey

    p = _params(inputs)
    path = inputs.files.get("survey_path")
    if path is None:
        errors.append(
            f"{inputs.where}: no survey_path under data; name the survey file, e.g. survey_path: survey.csv."
        )
        return
    try:
        data = load_survey(path)
    except InputError as error:
        errors += error.problems
        return
    source = source_name(path)
    problem = _segment_problem(inputs, data, source)
    if problem:
        errors.append(problem)
        return
    responses = survey.prepare_responses(data, segment=p.segment, min_cell_size=p.min_cell_size)
    inputs.tables["responses"] = responses
    n = len(responses)
    if n < p.min_cell_size:
        errors.append(
            f"{source}: only {n} respondent(s); a report needs at least min_cell_size ({p.min_cell_size}) "
            "so that no organisation can be identified."
        )
        return
    groups = _comparison_groups(inputs, responses, source)
    _blocks(inputs, responses, source)
    if inputs.runs("cadence") and (
        (groups > 0).sum() < 2 or responses["leadership_meetings"].nunique() < 2
    ):
        inputs.skip(
            "cadence",
            f"Meeting cadence cannot be compared: {source} has a single effectiveness group or a "
            "single cadence answer.",
        )
    _highlight(inputs, data, responses, source, errors)
    from analysis.contracts.quality import near_duplicate_labels

    inputs.warnings += near_duplicate_labels(
        data, column="industry", per="respondent_id", source=source, noun="respondent(s)"
    )
    _weights(inputs, data, source, errors)
    _model_terms(inputs, responses, source)


def _segment_problem(inputs: StudyInputs, data: pd.DataFrame, source: str) -> str:
    """Why the industry named by ``segment`` cannot be kept ("" when it can, or none is named)."""
    p = _params(inputs)
    if p.segment is None:
        return ""
    if "industry" not in data:
        return (
            f"{inputs.where}: segment {p.segment!r} keeps one industry, but {source} did not ask for the "
            "industry (no industry column); remove segment."
        )
    available = sorted(data["industry"].dropna().astype(str).unique())
    if p.segment not in available:
        return (
            f"{inputs.where}: segment {p.segment!r} is not an industry in {source}; "
            f"industries: {', '.join(available[:10])}{' ...' if len(available) > 10 else ''}."
        )
    kept = int((data["industry"] == p.segment).sum())
    if kept < p.min_cell_size:
        return (
            f"{inputs.where}: segment {p.segment!r} has {kept} respondent(s) in {source}, fewer than "
            f"min_cell_size {p.min_cell_size}; choose a larger segment so no organisation can be identified."
        )
    return ""


def _comparison_groups(inputs: StudyInputs, responses: pd.DataFrame, source: str) -> pd.Series:
    """Count the respondents per effectiveness group.

    The comparison is left out when the very effective or the ineffective group is empty
    or smaller than ``min_cell_size``.
    """
    p = _params(inputs)
    groups = responses["effectiveness_group"].value_counts()
    for group in ("very effective", "ineffective"):
        count = int(groups.get(group, 0))
        if count == 0:
            inputs.skip(
                "comparison",
                f"No respondent rated their organisation {group} in {source}, so the very "
                "effective and ineffective organisations cannot be compared.",
            )
        elif count < p.min_cell_size:
            inputs.skip(
                "comparison",
                f"Fewer than min_cell_size ({p.min_cell_size}) respondents rated their organisation "
                f"{group} in {source}, so the very effective and ineffective organisations are not "
                "compared: every figure would be suppressed or could identify them.",
            )
    return groups


def _highlight(
    inputs: StudyInputs,
    data: pd.DataFrame,
    responses: pd.DataFrame,
    source: str,
    errors: list[str],
) -> None:
    """Return an error for a ``highlight`` that is not a respondent of the report.

    Without a ``highlight``, the profile section is left out.
    """
    p = _params(inputs)
    if p.highlight is not None and p.highlight not in set(responses["respondent_id"].astype(str)):
        examples = ", ".join(responses["respondent_id"].astype(str).head(3))
        in_file = data.loc[data["respondent_id"].astype(str) == p.highlight, "industry"]
        errors.append(
            f"{inputs.where}: highlight {p.highlight!r} is in industry {in_file.iloc[0]!r}, "
            f"outside segment {p.segment!r}; highlight an organisation of the segment (ids "
            f"like {examples}) or remove segment."
            if len(in_file)
            else f"{inputs.where}: highlight {p.highlight!r} is not a respondent_id in {source} "
            f"(ids look like {examples}); correct it or remove highlight."
        )
    if p.highlight is None:
        inputs.skip(
            "profile",
            "No organisation was named to set against the others.",
            "set highlight to a respondent_id",
        )


#: Report section -> the question blocks it needs (any one of them for the comparison,
#: the practices table and the models).
SECTION_BLOCKS = {
    "industries": ("industry",),
    "cadence": ("cadence",),
    "initiatives": ("initiatives",),
    "practices": ("tools", "alignment", "sustainment"),
    "comparison": ("customized", "cadence", "tools", "alignment", "sustainment"),
    "models": ("alignment", "sustainment"),
}


def _blocks(inputs: StudyInputs, responses, source: str) -> None:
    """Leave out what the survey did not ask, saying so; keep the terms it did ask.

    Sets ``extras["compared"]`` (the practices compared between groups),
    ``extras["practice_options"]`` (the multi-select practices asked) and
    ``extras["asked"]`` (block -> asked).
    """
    from analysis.survey import COMPARED_PRACTICES

    blocks = asked(responses)
    inputs.extras["asked"] = blocks
    for section, needs in SECTION_BLOCKS.items():
        if not any(blocks[b] for b in needs):
            names = " or ".join(BLOCK_NAMES[b] for b in needs)
            inputs.skip(section, f"Not asked in this survey: {source} has no questions on {names}.")
    derived = {"customized": "customized", "meets_weekly": "cadence"}
    inputs.extras["compared"] = _varying_practices(
        inputs,
        responses,
        [
            term
            for term in COMPARED_PRACTICES
            if (blocks[derived[term]] if term in derived else term in responses)
        ],
    )
    inputs.extras["practice_options"] = [
        column
        for block in ("tools", "alignment", "sustainment")
        if blocks[block]
        for column in PRACTICES[block]
    ]
    inputs.extras["profile_terms"] = [t for t in MODEL_TERMS if t in responses]


def _varying_practices(inputs: StudyInputs, responses, terms: list[str]) -> list[str]:
    """Return the practices some but not all very effective and ineffective organisations have.

    A practice nobody in the two groups has (weekly meetings in a survey whose cadence
    question offers no weekly answer) or everybody has gives no ratio: it is left out of
    the comparison and said once, among the data checks.
    """
    from analysis.studies.org_effectiveness.estimates import PRACTICE_PHRASES, _name

    pair = responses["effectiveness_group"].isin(["very effective", "ineffective"])
    kept = []
    for term in terms:
        answers = responses.loc[pair, term].dropna().astype(bool)
        if answers.nunique() == 2 or answers.empty:
            kept.append(term)
            continue
        phrase = PRACTICE_PHRASES.get(term, _name(term).lower())
        inputs.warnings.append(
            f"{'Every' if answers.all() else 'No'} very effective or ineffective organisation "
            f"reports {phrase}, so that practice is not compared between them."
        )
    if terms and not kept:
        inputs.skip(
            "comparison",
            "Every practice asked got the same answer from all very effective and ineffective "
            "organisations, so there is nothing to compare.",
        )
    return kept


def _weights(inputs: StudyInputs, data, source: str, errors: list[str]) -> None:
    """Check and describe the survey design of client.yml (weights, strata, clusters, fpc).

    Sets ``extras["design"]`` (a :class:`~analysis.survey.SurveyDesign`, or None for a
    simple random sample), ``extras["weights"]`` (its weight column or None) and
    ``extras["design_notes"]`` (the design in words, for the report's methods text).
    Every survey function of the notebook takes the design; nothing is left unweighted
    or treated as independent when the client said otherwise.
    """
    from analysis.survey import SurveyDesign

    p = _params(inputs)
    inputs.extras.update(design=None, weights=None, design_notes=[])
    weights = p.weights
    if weights is None and "weight" in data:
        inputs.warnings.append(
            f"{source} has a weight column, but weights is null, so every figure is unweighted "
            "(describes the respondents, not the population the weights stand for)."
        )
    if weights is not None and weights not in data:
        if weights != "weight":  # the default: a survey without weights is unweighted
            errors.append(
                f"{inputs.where}: weights {weights!r} is not a column of {source}; the survey contract's "
                "weight column is called weight (or set weights: null)."
            )
            return
        weights = None
    roles = {"strata": p.strata, "clusters": p.clusters, "fpc": p.fpc}
    found = True
    for role, column in roles.items():
        if column is not None and column not in data:
            close = difflib.get_close_matches(column, [str(c) for c in data.columns], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            errors.append(
                f"{inputs.where}: {role} {column!r} is not a column of {source}.{hint} Name the "
                f"column that holds each respondent's {_ROLE_WORDS[role]}, or set {role}: null."
            )
            found = False
    if not found:
        return
    if weights is not None:
        message = non_finite(data[weights], column=weights, source=source) or dominant_value(
            data[weights], column=weights, source=source, row="respondent"
        )
        if message:  # one respondent would stand for (nearly) the whole population
            errors.append(message)
            return
    design = SurveyDesign(weights=weights, strata=p.strata, psu=p.clusters, fpc=p.fpc)
    if design.is_simple:
        return
    if not _design_is_usable(design, data, source, errors):
        return
    inputs.extras.update(design=design, weights=weights)
    inputs.extras["design_notes"].append(describe_design(design, data, source))
    inputs.skip(
        "models",
        f"The regression models are not computed for a survey with a sampling design ({source}: "
        f"{design.describe()}): they would need design-based (pseudo-likelihood) fits, which "
        "this workbench does not offer yet. Set weights, strata, clusters and fpc to null to "
        "fit them to the respondents as a simple random sample.",
    )


_ROLE_WORDS = {
    "strata": "stratum",
    "clusters": "primary sampling unit (the company or region sampled first)",
    "fpc": "stratum's population size (or sampling fraction)",
}


def _lines(mask) -> str:
    """File lines (header = line 1) of the rows in ``mask``, the first five."""
    rows = [int(i) + 2 for i in np.flatnonzero(np.asarray(mask))[:5]]
    more = int(np.asarray(mask).sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" and {more} more" if more > 0 else "")


def _design_is_usable(design, data, source: str, errors: list[str]) -> bool:
    """Check the design columns as R's svydesign would, naming the file, column and lines."""
    import pandas as pd

    from analysis.core.errors import DataError
    from analysis.survey.design import design_arrays

    before = len(errors)
    for role, column in (("strata", design.strata), ("clusters", design.psu)):
        if column and data[column].isna().any():
            blank = data[column].isna()
            errors.append(
                f"{source}: {role} column {column!r} is blank on line(s) {_lines(blank)}: every "
                f"respondent needs a {_ROLE_WORDS[role].split(' (')[0]}. Fill it in, or drop those "
                "respondents from the file."
            )
    if design.fpc:
        values = pd.to_numeric(data[design.fpc], errors="coerce")
        bad = values.isna() | (values <= 0)
        if bad.any():
            errors.append(
                f"{source}: fpc column {design.fpc!r} holds {data.loc[bad, design.fpc].iloc[0]!r} "
                f"on line(s) {_lines(bad)}; it must be a positive number on every row: the "
                "stratum's population size, or its sampling fraction between 0 and 1."
            )
    if len(errors) > before:
        return False
    try:
        design_arrays(data, design)
    except DataError as error:  # a stratum with one PSU, an fpc varying within a stratum, ...
        errors.append(f"{source}: survey design ({design.describe()}): {error}")
        return False
    return True


def describe_design(design, data, source: str) -> str:
    """Describe the survey design in words, for the report's methods text."""
    from analysis.survey.design import design_arrays

    arrays = design_arrays(data, design)
    parts = []
    if design.weights:
        parts.append(f"weighted by column {design.weights}")
    if design.strata:
        parts.append(f"{len(np.unique(arrays.stratum))} strata (column {design.strata})")
    if design.psu:
        parts.append(
            f"{len(np.unique(arrays.psu))} primary sampling units (column {design.psu}, "
            "read within strata)"
        )
    else:
        parts.append("each respondent sampled on their own")
    if design.fpc:
        parts.append(f"a finite-population correction (column {design.fpc})")
    else:
        parts.append("sampling with replacement (no finite-population correction)")
    return (
        f"Survey design of {source}, from client.yml: {', '.join(parts)}; "
        f"{arrays.degrees_of_freedom} degrees of freedom (sampling units minus strata). Every "
        "share, multi-select share, risk ratio, group comparison, cross-tab test and headline "
        "figure uses this design: Taylor-linearised standard errors (as R's survey package), "
        "Korn-Graubard intervals for shares with each group's own respondents and degrees of "
        "freedom (svyciprop, method beta), log-scale intervals for risk ratios and Rao-Scott "
        "tests for cross-tabs. Counts are respondents, not weighted totals."
    )


def _varying(frame, terms, source: str, model: str, inputs: StudyInputs) -> list[str]:
    constant = [t for t in terms if frame[t].nunique(dropna=True) < 2]
    if constant:
        inputs.warnings.append(
            f"{source}: {', '.join(constant)} do(es) not vary among the {len(frame)} respondents of the "
            f"{model}; left out of that model."
        )
    return [t for t in terms if t not in constant]


#: The default regression terms: how many practices of each kind are in place. Two
#: terms instead of eight keep about 10 cases per parameter in a survey of the 2012
#: size (Harrell 2015, section 4.7: reduce the predictors before modelling, by what
#: they mean, not by what the data say).
COUNT_TERMS = ("alignment_practices", "sustainment_practices")


def _model_terms(inputs: StudyInputs, responses, source: str) -> None:
    if not inputs.runs("models"):  # a design or not asked: no model, so no warnings about its terms
        return
    terms = COUNT_TERMS if _params(inputs).model_terms == "counts" else MODEL_TERMS
    terms = tuple(t for t in terms if t in responses)
    ordinal = _varying(responses, terms, source, "ordinal model", inputs)
    levels = responses["effectiveness"].nunique()
    if not ordinal or levels < 2 or len(responses) <= len(ordinal) + levels:
        inputs.skip(
            "models",
            f"The regression needs more respondents than parameters and at least two observed ratings: "
            f"{len(responses)} respondent(s), {levels} rating(s), {len(ordinal)} varying practice(s).",
        )
        return
    subset = responses[responses["effectiveness_group"] != "effective"]
    binary = _varying(subset, terms, source, "very effective vs ineffective model", inputs)
    if not inputs.runs("comparison") or not binary or len(subset) <= len(binary) + 2:
        inputs.extras["binary_terms"] = []
    else:
        inputs.extras["binary_terms"] = binary
    inputs.extras["ordinal_terms"] = ordinal
