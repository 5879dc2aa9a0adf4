"""Survey answers in a drafted codebook: value mappings by wording, multi-selects, drop rules.

* :func:`value_mapping`: each answer text -> the contract level its wording names
  (``Every month`` -> monthly), marked CHECK where it is not the same words; numeric
  codes mapped in the contract's order, always marked CHECK;
* :func:`practice_rules`: multi-select columns (options joined by ``;`` or ``,``) and
  per-option columns (the option's text or blank) -> the practice columns;
* :func:`drop_rules`: rows that are not responses, read from the export's own values:
  previews and unfinished responses (``Status``, ``Finished`` as ``0``/``False``/``No``),
  rows tagged or named ``test``, blank submit dates.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.contracts.survey import DISPLAY_NAMES
from analysis.ingest.mapping.roles import LEVELS, level_of, norm
from analysis.ingest.profiles import ColumnProfile
from analysis.ingest.sources import split_answers

__all__ = ["drop_rules", "option_column", "practice_rules", "value_mapping"]

STOP = {"and", "the", "with", "for", "tool", "align", "sustain", "by", "our", "we", "of"}
FALSE_WORDS = ("false", "0", "no", "n")
TEST_WORDS = {"test", "testing", "test response", "preview", "survey preview"}


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", text.casefold()) if len(w) > 2 and w not in STOP}


def option_column(option: str) -> tuple[str | None, float]:
    """The practice column a multi-select option's text names: by its display name, else
    by the word stems it shares with the display name and the column name."""
    names = {norm(text): column for column, text in DISPLAY_NAMES.items()}
    key = norm(option)
    if key in names:
        return names[key], 1.0
    mine = _stems(option)
    scores = {
        column: len(mine & (_stems(text) | _stems(column.replace("_", " ")))) / max(len(mine), 1)
        for column, text in DISPLAY_NAMES.items()
    }
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] >= 0.5 and ranked[0] > ranked[1]:
        return max(scores, key=lambda c: scores[c]), round(0.6 + 0.3 * ranked[0], 2)
    return None, 0.0


def value_mapping(role: str, values: pd.Series) -> tuple[dict[str, str], list[str]]:
    """Answer -> contract level for ``role``, and the CHECK lines for what is not exact."""
    levels = LEVELS[role]
    answers = sorted(set(values.dropna().astype(str).str.strip()) - {""})
    codes = {str(i + 1) for i in range(len(levels))}
    if answers and set(answers) <= codes:
        mapping = {str(i + 1): level for i, level in enumerate(levels)}
        return mapping, [
            (
                f"{role} coded 1-{len(levels)}: mapped in the contract's order (1 = {levels[0]}); the "
                "export has no answer labels: check each code against the survey's own list"
            )
        ]
    mapping, checks = {}, []
    for answer in answers:
        level, score = level_of(answer, levels)
        if level is None:
            checks.append(f"{role}: answer {answer!r} names no level ({', '.join(levels)}); map it")
        elif score < 1.0:
            mapping[answer] = level
            checks.append(f"{role}: {answer!r} -> {level!r} by wording ({score:.0%})")
    return mapping, checks


def _separator(values: pd.Series) -> str:
    text = values.dropna().astype(str)
    return (
        ";" if text.str.contains(";", regex=False).mean() >= text.str.contains(",").mean() else ","
    )


def practice_rules(
    frame: pd.DataFrame, profiles: dict[str, ColumnProfile], questions: dict[str, str]
) -> tuple[dict, dict, list[str], set[str]]:
    """multi_select and flags rules for the practice questions, their CHECK lines, and the
    raw columns they use."""
    multi: dict[str, dict] = {}
    flags: dict[str, str] = {}
    checks: list[str] = []
    used: set[str] = set()
    for raw, profile in profiles.items():
        question = questions.get(raw, "")
        values = frame[raw].dropna().astype(str).str.strip()
        values = values[values != ""]
        if profile.kind == "multi_select" or "Selected Choice" in question:
            separator = _separator(values)
            options = sorted({o for v in values for o in split_answers(v, separator) if o})
            mapped = {o: option_column(o) for o in options}
            if sum(c is not None for c, _ in mapped.values()) < max(1, len(options) // 2):
                if options and all(o.isdigit() for o in options):
                    checks.append(
                        f"{raw}: options written as codes ({', '.join(options[:8])}); map each code to "
                        "its practice from the survey's own list under multi_select"
                    )
                continue
            known = {o: c for o, (c, _) in mapped.items() if c}
            multi[raw] = {"separator": separator, "options": known}
            checks += [
                f"{raw}: option {o!r} -> {c} ({p:.0%})"
                for o, (c, p) in mapped.items()
                if c and p < 0.9
            ]
            left = [o for o, (c, _) in mapped.items() if c is None]
            if left:  # typed "Other" answers: kept out of the practice columns, said aloud
                multi[raw]["options"].update({o: f"other_{norm(raw)[:20]}" for o in left})
                checks.append(
                    f"{raw}: {len(left)} option(s) match no practice ({', '.join(map(repr, left[:3]))}); "
                    "they go to a column the studies do not read"
                )
            used.add(raw)
        elif profile.unique == 1 and profile.missing > 0 and profile.kind in ("category", "text"):
            option, p = option_column((question or raw).split(" - ")[-1])
            if option:
                flags[raw] = option
                used.add(raw)
                if p < 0.9:
                    checks.append(
                        f"{raw}: per-option column (blank = not selected) -> {option} ({p:.0%})"
                    )
    return multi, flags, checks, used


def drop_rules(
    frame: pd.DataFrame, profiles: dict[str, ColumnProfile], qualtrics: bool
) -> tuple[list[dict], list[str]]:
    """Rows that are not responses, from the export's own values, and notes on each rule."""
    rules: list[dict] = []
    notes: list[str] = []
    columns = {norm(c): c for c in frame.columns}
    if qualtrics and "status" in columns:
        status = set(frame[columns["status"]].dropna().astype(str))
        preview = (
            "Survey Preview"
            if "Survey Preview" in status
            else "1"
            if status <= {"0", "1"}
            else None
        )
        if preview:
            rules.append({"column": columns["status"], "equals": preview})
            notes.append(f"previews: {columns['status']} = {preview}")
    for key in ("finished", "complete", "completed"):
        if key in columns:
            values = {v.casefold(): v for v in frame[columns[key]].dropna().astype(str)}
            false = next((values[w] for w in FALSE_WORDS if w in values), None)
            if false is not None and len(values) == 2:
                rules.append({"column": columns[key], "equals": false})
                notes.append(f"unfinished responses: {columns[key]} = {false}")
    for raw, profile in profiles.items():
        text = frame[raw].dropna().astype(str).str.strip()
        tests = sorted({v for v in text if v.casefold() in TEST_WORDS})
        for value in tests:
            if {"column": raw, "equals": value} in rules:
                continue
            rules.append({"column": raw, "equals": value})
            notes.append(f"test rows: {raw} = {value!r} ({int((text == value).sum())} row(s))")
        loose = sorted({v for v in text if re.match(r"test\b", v, re.IGNORECASE)} - set(tests))
        if loose:
            notes.append(
                f"CHECK {raw}: {len(loose)} value(s) start with 'test' ({loose[0][:40]!r}): test rows? "
                f"add {{column: {raw}, equals: ...}} under drop_rows if they are"
            )
        if profile.kind == "date" and profile.missing and re.search(r"submit", raw, re.IGNORECASE):
            rules.append({"column": raw, "equals": ""})
            notes.append(f"partial responses: {raw} blank ({profile.missing} row(s))")
    return rules, notes
