"""Which rows of a survey export are usable responses, and which column weighs them.

A drafted survey table proposes its drop rules from the export's own values, each with a
``CHECK`` line naming the rows it drops (:mod:`analysis.ingest.rules.drops` reads the rules):

* :func:`test_rows`: rows marked as tests or previews in any column (``test``,
  ``preview``, ``TEST - please ignore`` in a comment): ``{column, equals: <the value seen>}``;
* :func:`bot_scores`: a bot-detection score (a 0-1 column named for reCAPTCHA or bots):
  ``{column, below: 0.5}``, the threshold Google's reCAPTCHA v3 and Qualtrics document
  (0.5 and above: likely a person);
* :func:`blank_key_answers`: responses that left a required answer blank (item
  nonresponse): ``{column, blank: true}``. A survey statistician excludes them from every
  analysis of that answer and reports how many; the study's analyses are all of the key
  answer (effectiveness), so the row is dropped and counted in the import record, not
  imputed;
* :func:`survey_weight`: a column of positive non-integer numbers averaging near 1 (or of
  expansion weights, each at least 1, summing far above the respondents) whose name says
  weight, drafted as the survey's ``weight`` with a CHECK.

The words these functions look for are about survey tools (tests, bots, weights), never
the names of a particular export's questions.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.ingest.mapping.roles import norm
from analysis.ingest.profiles import ColumnProfile
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.drops import drop_rows

__all__ = [
    "BOT_THRESHOLD",
    "blank_key_answers",
    "bot_scores",
    "kept_rows",
    "line_numbers",
    "survey_weight",
    "test_rows",
]

#: reCAPTCHA v3 scores run from 0 (a bot) to 1 (a person); below 0.5 is "likely a bot".
BOT_THRESHOLD = 0.5
#: A value that marks a row as a test or preview response by itself.
TEST_VALUE = re.compile(
    r"\W*(test(e|ing)?|preview|survey preview|test (response|submission|run|entry))\W*\d*\W*",
    re.IGNORECASE,
)
#: A longer text starting with "test" that asks to be left out.
TEST_NOTE = re.compile(
    r"\W*test(ing)?\b.*\b(ignore|delete|remove|disregard|do not (count|use)|don'?t (count|use))",
    re.IGNORECASE,
)
BOT_NAME = re.compile(r"captcha|(^|_)bots?(_|$)|botscore|bot_score|bot_detect")
WEIGHT_NAME = re.compile(r"weight|wgt|(^|_)wt(_|$)|gewicht|poids|ponder|pesos?(_|$)")


def line_numbers(frame: pd.DataFrame, mask: pd.Series, first_line: int = 0) -> str:
    """The raw file's lines of the rows in ``mask`` (the first six, then how many more).

    ``frame``'s index is the raw row number (sheets, CSVs) or 0-based (a Qualtrics export,
    whose data start on line 4: ``first_line=4``).
    """
    lines = [int(i) + first_line for i in frame.index[mask.to_numpy()]]
    more = f" and {len(lines) - 6} more" if len(lines) > 6 else ""
    return ", ".join(map(str, lines[:6])) + more


def kept_rows(frame: pd.DataFrame, rules: list[dict]) -> pd.DataFrame:
    """The rows the drafted ``rules`` keep (a rule the import would refuse is skipped)."""
    for rule in rules:
        try:
            frame, _ = drop_rows(frame, [rule], "draft")
        except CodebookError:
            continue
    return frame


def test_rows(
    frame: pd.DataFrame, profiles: dict[str, ColumnProfile], rules: list[dict], first_line: int
) -> tuple[list[dict], list[str]]:
    """Rules dropping rows marked as tests or previews, and a CHECK naming each one's rows.

    A value is a test mark when it is one by itself (``test``, ``Preview``, ``TEST 2``) or
    a short note that starts with "test" and asks to be ignored; a mark on more than a
    tenth of the rows is not proposed (a real answer, such as a product called Test).
    """
    found, checks = [], []
    for raw, profile in profiles.items():
        if profile.kind not in ("category", "text", "personal", "boolean"):
            continue
        text = frame[raw].astype("string").str.strip()
        marks = sorted(
            {
                v
                for v in text.dropna().unique()
                if TEST_VALUE.fullmatch(v) or (len(v) <= 80 and TEST_NOTE.match(v))
            }
        )
        for value in marks:
            rule = {"column": raw, "equals": value}
            hit = (text == value).fillna(False)
            if rule in rules or hit.sum() > max(3, len(frame) // 10):
                continue
            found.append(rule)
            checks.append(
                f"test rows: {raw} = {value!r} on {int(hit.sum())} row(s) (lines "
                f"{line_numbers(frame, hit, first_line)}) are dropped as tests or previews; remove "
                "the drop_rows entry if they are real responses"
            )
    return found, checks


def bot_scores(
    frame: pd.DataFrame, profiles: dict[str, ColumnProfile], rules: list[dict], first_line: int
) -> tuple[list[dict], list[str]]:
    """A ``below: 0.5`` rule for each bot-detection score, with its CHECK line."""
    found, checks = [], []
    for raw, profile in profiles.items():
        fraction = (
            profile.kind in ("share", "number", "count")
            and profile.minimum is not None
            and profile.minimum >= 0
            and (profile.maximum or 0) <= 1
        )
        if not (fraction and BOT_NAME.search(norm(raw))):
            continue
        rule = {"column": raw, "below": BOT_THRESHOLD}
        left = kept_rows(frame, rules)
        scores = pd.to_numeric(left[raw].astype("string").str.strip(), errors="coerce")
        hit = (scores < BOT_THRESHOLD).fillna(False)
        found.append(rule)
        checks.append(
            f"bots: {raw!r} [{profile.describe()}] is a bot-detection score: {int(hit.sum())} "
            f"response(s) below {BOT_THRESHOLD} (lines {line_numbers(left, hit, first_line) or '-'}) "
            "are dropped as likely bots, the threshold reCAPTCHA v3 and Qualtrics document; set "
            "below: to the survey's own threshold if it differs"
        )
    return found, checks


def blank_key_answers(
    frame: pd.DataFrame, columns: dict[str, str], rules: list[dict], first_line: int
) -> tuple[list[dict], list[str]]:
    """A ``blank: true`` rule for each required answer some kept response left blank.

    ``columns`` maps each required role to its raw column; blanks are counted among the
    rows the earlier ``rules`` keep (a partial response dropped anyway is not counted twice).
    """
    found, checks = [], []
    left = kept_rows(frame, rules)
    for role, raw in columns.items():
        text = left[raw].astype("string").str.strip()
        blank = (text.isna() | (text == "")).fillna(True)
        if not blank.any():
            continue
        found.append({"column": raw, "blank": True})
        checks.append(
            f"{role}: {int(blank.sum())} of {len(left)} response(s) left {raw!r} blank (lines "
            f"{line_numbers(left, blank, first_line)}): dropped as item nonresponse, since every "
            f"analysis of the study is by {role}; the import record counts them. Remove the "
            "drop_rows entry only if the blanks stand for an answer"
        )
    return found, checks


def survey_weight(
    frame: pd.DataFrame, profiles: dict[str, ColumnProfile], taken: set[str], first_line: int = 0
) -> tuple[str | None, str]:
    """The raw column that looks like the survey's weight, and the CHECK line about it.

    A weight is a column of positive numbers, not all whole, whose name says weight
    (``weight``, ``wgt``, ``wt``, ``Gewicht``, ``poids``, ``ponderación``): either
    averaging between 0.5 and 2 (weights scaled to the sample) or each at least 1 and
    summing to many times the respondents (expansion weights, summing to the population).
    Blank cells (previews, which the drop rules remove) are named in the CHECK line.
    """
    for raw, profile in profiles.items():
        if raw in taken or not WEIGHT_NAME.search(norm(raw)):
            continue
        if profile.kind not in ("number", "share", "count", "money"):
            continue
        text = frame[raw].astype("string").str.strip()
        blank = (text.isna() | (text == "")).fillna(True)
        values = pd.to_numeric(text[~blank], errors="coerce")
        if values.isna().any() or (values <= 0).any() or (values % 1 == 0).all():
            continue
        mean, total = float(values.mean()), float(values.sum())
        scaled = 0.5 <= mean <= 2.0
        expansion = bool((values >= 1).all()) and total >= 5 * len(values)
        if not (scaled or expansion):
            continue
        how = (
            "scaled to the sample"
            if scaled
            else f"expansion weights summing to {total:,.0f}, the population they stand for"
        )
        return raw, (
            f"weight: {raw!r} [{profile.describe()}; mean {mean:.3g}, sum {total:,.4g}] looks like "
            f"the survey's weight ({how}): every figure of the study is weighted by it; remove "
            "the line if it is not a survey weight"
            + (
                f"; {int(blank.sum())} row(s) have no weight (lines "
                f"{line_numbers(frame, blank, first_line)}): each response the study keeps needs one"
                if blank.any()
                else ""
            )
        )
    return None, ""
