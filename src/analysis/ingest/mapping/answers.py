"""Survey answers in a drafted codebook: value mappings by wording, multi-selects, drop rules.

* :func:`value_mapping`: each answer text -> the contract level its wording names
  (``Every month`` -> monthly), marked CHECK where it is not the same words; numeric
  codes mapped in the contract's order, always marked CHECK;
* :func:`practice_rules`: multi-select columns (options joined by ``;`` or ``,``) and
  per-option columns (the option's text or blank) -> the practice columns;
* :func:`drop_rules`: rows that are not responses, read from the export's own values:
  previews and unfinished responses (``Status``, ``Finished`` as ``0``/``False``/``No``),
  blank submit dates, and (:mod:`analysis.ingest.mapping.screening`, each a CHECK naming
  its rows) test rows and bot-detection scores below 0.5.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.contracts.survey import DISPLAY_NAMES, PRACTICES
from analysis.ingest.mapping import screening
from analysis.ingest.mapping.roles import LEVELS, level_of, norm
from analysis.ingest.profiles import ColumnProfile
from analysis.ingest.read.sources import split_answers

__all__ = [
    "assign_options",
    "drop_rules",
    "option_column",
    "practice_rules",
    "scale_order",
    "value_mapping",
]

STOP = {"and", "the", "with", "for", "tool", "align", "sustain", "by", "our", "we", "of"}
FALSE_WORDS = ("false", "0", "no", "n")


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


def _option_scores(option: str) -> dict[str, float]:
    """Practice column -> how well ``option``'s wording names it (1 = its display name)."""
    key = norm(option)
    mine = _stems(option)
    return {
        column: 1.0
        if norm(text) == key
        else min(
            len(mine & (_stems(text) | _stems(column.replace("_", " ")))) / max(len(mine), 1), 0.99
        )
        for column, text in DISPLAY_NAMES.items()
    }


def assign_options(options: list[str]) -> dict[str, tuple[str | None, float]]:
    """The practice column of each option of one multi-select question.

    An option takes the column its wording names best. A tie is settled first by the
    question's block (the options of one question mostly name one block of practices:
    tools, alignment or sustainment; when two thirds of them do, its columns win a tie, and
    an option mapped outside it is marked for checking, below 90%), then by the columns
    other options took: ``Coaching by managers`` names coaching and manager training
    equally, and goes to coaching once ``Training for sales managers`` has taken manager
    training. Two options may name one column (the pieces of an option that holds a
    comma). An option still tied, or naming no column by half its words, stays None.
    """
    scores = {o: _option_scores(o) for o in options}
    votes: dict[str, float] = {}
    for found in scores.values():
        top = max(found.values())
        blocks = {b for b, cols in PRACTICES.items() for c in cols if found[c] == top}
        for block in blocks if top >= 0.5 else ():  # a tie between blocks splits the vote
            votes[block] = votes.get(block, 0) + top / len(blocks)
    main = max(votes, key=lambda b: votes[b]) if votes else None
    home = set(PRACTICES[main]) if main and votes[main] >= 2 / 3 * sum(votes.values()) else set()
    chosen: dict[str, tuple[str | None, float]] = dict.fromkeys(options, (None, 0.0))

    def pick(option: str, taken: set[str]) -> str | None:
        ranked = sorted(
            ((scores[option][c], c in home, c) for c in DISPLAY_NAMES if c not in taken),
            reverse=True,
        )
        if not ranked or ranked[0][0] < 0.5 or (len(ranked) > 1 and ranked[1][:2] == ranked[0][:2]):
            return None
        return ranked[0][2]

    for taken_counts in (False, True, True, True):  # first the clear ones, then ties they settle
        taken = {c for c, _ in chosen.values() if c} if taken_counts else set()
        for option in (o for o, (c, _) in chosen.items() if c is None):
            column = pick(option, taken)
            if column is None:
                continue
            score = scores[option][column]
            confidence = 1.0 if score == 1.0 else round(0.6 + 0.3 * score, 2)
            outside = bool(home) and column not in home
            chosen[option] = (column, min(confidence, 0.75) if outside else confidence)
    return chosen


#: Prefixes that negate a word (in-effective, un-, im-, ir-, il-, dis-, non-, ne-): an
#: answer scale of a word and its negation is ordered by them, in any language that
#: forms opposites this way (ineficaz, inefficace, ineffektiv, ineffective).
NEGATING = ("in", "un", "im", "ir", "il", "dis", "non", "ne", "des", "a")


def scale_order(answers: list[str]) -> list[str] | None:
    """The answers from lowest to highest when their form makes them a scale, else None.

    Four answers are a scale when two are one word and its negation (``Eficaz`` and
    ``Ineficaz``) and the two others are these words with one more word that both share
    (``Muito``, ``Very``, ``Sehr``): the order is very negative, negative, positive, very
    positive. The words themselves are never looked up, so the language does not matter.
    """
    words = {a: norm(a).split("_") for a in answers}
    singles = [a for a, w in words.items() if len(w) == 1]
    doubles = {a: w for a, w in words.items() if len(w) == 2}
    if len(singles) != 2 or len(doubles) != len(answers) - 2 or len(doubles) != 2:
        return None
    one, two = singles
    low, high = None, None
    for negative, positive in ((one, two), (two, one)):
        neg, pos = words[negative][0], words[positive][0]
        if neg.endswith(pos) and neg[: len(neg) - len(pos)] in NEGATING:
            low, high = negative, positive
    if low is None or high is None:
        return None
    strong = {}
    for answer, pair in doubles.items():
        base = {words[low][0], words[high][0]} & set(pair)
        if len(base) != 1:
            return None
        (word,) = base
        strong[word] = (answer, next(w for w in pair if w != word))
    if set(strong) != {words[low][0], words[high][0]}:
        return None
    if strong[words[low][0]][1] != strong[words[high][0]][1]:
        return None  # the same intensifying word on both sides
    return [strong[words[low][0]][0], low, high, strong[words[high][0]][0]]


def _coded_options(coded: tuple[dict[str, str], str], separator: str) -> tuple[dict, str]:
    """A multi_select rule for options written as codes, from their labels' wording."""
    codes, file = coded
    found = assign_options(list(codes.values()))
    options, said = {}, []
    for code, label in codes.items():
        column = found[label][0]
        options[code] = column or f"other_{norm(label)[:20]}"
        said.append(f"{code} {label!r} -> {column or 'no practice (not read)'}")
    return (
        {"separator": separator, "options": options},
        f"codes read from {file}: {', '.join(said)}; check them against the survey",
    )


def value_mapping(
    role: str, values: pd.Series, labels: tuple[dict[str, str], str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Answer -> contract level for ``role``, and the CHECK lines for what is not exact.

    ``labels`` (each code's label and the printed survey listing them) maps numeric codes
    by their labels' wording, one CHECK line listing every code.
    """
    levels = LEVELS[role]
    answers = sorted(set(values.dropna().astype(str).str.strip()) - {""})
    if labels is not None and answers and set(answers) <= set(labels[0]):
        return _coded(role, labels)
    codes = {str(i + 1) for i in range(len(levels))}
    if answers and set(answers) <= codes:
        mapping = {str(i + 1): level for i, level in enumerate(levels)}
        return mapping, [
            (
                f"{role} coded 1-{len(levels)}: mapped in the contract's order (1 = {levels[0]}); the "
                "export has no answer labels: check each code against the survey's own list"
            )
        ]
    order = scale_order(answers)
    unworded = not all(level_of(a, levels)[0] for a in answers)  # not the contract's words
    if order is not None and len(order) == len(levels) and unworded:
        mapping = dict(zip(order, levels, strict=True))
        shown = ", ".join(f"{a!r} -> {level!r}" for a, level in mapping.items())
        line = (
            f"{role}: the answers form a scale by their form (a word, its negation, each "
            f"also with {norm(order[0]).split('_')[0]!r}), mapped in order: {shown}; check "
            "the middle levels against the survey's wording"
        )
        return mapping, [line]
    mapping, checks = {}, []
    for answer in answers:
        level, score = level_of(answer, levels)
        if level is None:
            checks.append(f"{role}: answer {answer!r} names no level ({', '.join(levels)}); map it")
        elif score < 1.0:
            mapping[answer] = level
            checks.append(f"{role}: {answer!r} -> {level!r} by wording ({score:.0%})")
    return mapping, checks


def _coded(role: str, labels: tuple[dict[str, str], str]) -> tuple[dict[str, str], list[str]]:
    """Codes -> levels by the wording of each code's label in the printed survey."""
    codes, file = labels
    mapping, said, left = {}, [], []
    for code, label in codes.items():
        level, _ = level_of(label, LEVELS[role])
        if level is None:
            left.append(f"{code} {label!r}")
            continue
        mapping[code] = level
        said.append(f"{code} {label!r} -> {level}")
    line = f"{role}: codes read from {file}: {', '.join(said)}; check them against the survey"
    if left:
        line += f"; {', '.join(left)} name no level ({', '.join(LEVELS[role])}): map them"
    return mapping, [line]


def _codes_joined(values: pd.Series, coded: tuple[dict[str, str], str] | None) -> bool:
    """Codes a printed survey lists, several in one cell (``1,2``: never the number 1.2)."""
    if not coded or not values.str.contains(r"[,;]").any():
        return False
    parts = {p.strip() for v in values for p in re.split(r"[,;]", v) if p.strip()}
    return parts <= set(coded[0])


def _separator(values: pd.Series) -> str:
    text = values.dropna().astype(str)
    return (
        ";" if text.str.contains(";", regex=False).mean() >= text.str.contains(",").mean() else ","
    )


def practice_rules(
    frame: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    questions: dict[str, str],
    labels: dict[str, tuple[dict[str, str], str]] | None = None,
) -> tuple[dict, dict, list[str], set[str]]:
    """multi_select and flags rules for the practice questions, their CHECK lines, and the
    raw columns they use. Options written as codes are named by ``labels`` (a printed
    survey's listing), each code's practice a CHECK."""
    labels = labels or {}
    multi: dict[str, dict] = {}
    flags: dict[str, str] = {}
    checks: list[str] = []
    used: set[str] = set()
    for raw, profile in profiles.items():
        question = questions.get(raw, "")
        values = frame[raw].dropna().astype(str).str.strip()
        values = values[values != ""]
        coded = labels.get(raw)
        if (
            profile.kind == "multi_select"
            or "Selected Choice" in question
            or _codes_joined(values, coded)
        ):
            separator = _separator(values)
            options = sorted({o for v in values for o in split_answers(v, separator) if o})
            if coded and options and set(options) <= set(coded[0]):
                multi[raw], line = _coded_options(coded, separator)
                checks.append(f"{raw}: {line}")
                used.add(raw)
                continue
            mapped = assign_options(options)
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
    first_line = 4 if qualtrics else 0  # a Qualtrics export's data start on line 4
    for find in (screening.test_rows, screening.bot_scores):  # each proposed with a CHECK
        found, checks = find(frame, profiles, rules, first_line)
        rules += found
        notes += [f"CHECK {c}" for c in checks]
    for raw, profile in profiles.items():
        if profile.kind == "date" and profile.missing and re.search(r"submit", raw, re.IGNORECASE):
            rules.append({"column": raw, "equals": ""})
            notes.append(f"partial responses: {raw} blank ({profile.missing} row(s))")
    return rules, notes
