"""A printed survey's answer codes: the labels an export of numeric values leaves out.

A survey exported with numeric values (Qualtrics's "Use numeric values", SPSS-style
exports) holds ``1``, ``2``, ``3`` where the respondents read "Very effective",
"Effective", ...; the codes can run in any order (1 = the best answer, or the worst).
Tools print the survey with its recode values, as plain text::

    Q3  Overall, how effective is your sales training organization?  (single answer)
         1  Very effective
         2  Effective
         3  Somewhat effective
         4  Not effective

    Q5  How often do you meet senior sales leadership?  1 = Weekly, 2 = Monthly, 3 = Never

:func:`read_recodes` reads such a listing into ``{question: {code: label}}``: a question
starts on a line that is not indented and begins with an id holding a digit (``Q3``,
``Q7_6``, ``QID12``, ``S2.``); its codes follow on indented lines (``1  Very effective``,
``1 = Very effective``, ``1. Very effective``) or as ``code = label`` pairs on one line.
Annotations in square brackets (``[exclusive]``, ``[text entry: Q7_6_TEXT]``) are left
out of the label. :func:`labels_for` matches the questions to an export's columns, by id
and else by the question's wording. ``draft-codebook`` then drafts each coded answer's
mapping from its label's wording, marked CHECK (:mod:`analysis.ingest.mapping.answers`).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

__all__ = ["RECODES_BYTES", "labels_for", "read_recodes"]

#: Largest listing read (bytes): a printed survey of a hundred questions is about 30 KB.
RECODES_BYTES = 1024 * 1024

QUESTION = re.compile(r"(?P<id>[A-Za-z][A-Za-z0-9_]*\d[A-Za-z0-9_]*)[.:)]?\s+(?P<text>\S.*)")
CODE_LINE = re.compile(
    r"\s+(?P<code>\d{1,4})(?:\s*[=:.)]\s*|\s{2,}|\s(?=[^\d\s]))(?P<label>[^\s(].*)"
)
PAIR = re.compile(r"(?<![\w.])(\d{1,4})\s*=\s*([^,;=]+?)(?=\s*(?:[,;]\s*\d{1,4}\s*=|$))")
NOTE = re.compile(r"\s*\[[^\]]*\]\s*$")


def _text(path: Path) -> str | None:
    raw = path.read_bytes()[:RECODES_BYTES]
    if b"\x00" in raw:
        return None  # a binary file (a workbook, a PDF): not a listing
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _label(text: str) -> str:
    while NOTE.search(text):
        text = NOTE.sub("", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def read_recodes(path: str | Path) -> dict[str, dict]:
    """The questions of a printed survey listing and their codes (see the module docstring).

    Returns
    -------
    dict
        Question id -> ``{"text": the question's first line, "codes": {code: label}}``,
        for the questions listing two codes or more; empty when the file is no listing.
    """
    text = _text(Path(path))
    if not text:
        return {}
    found: dict[str, dict] = {}
    current: dict | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        question = None if line[:1].isspace() else QUESTION.fullmatch(line.rstrip())
        if question is not None:
            current = {"text": question["text"].strip(), "codes": {}}
            found[question["id"]] = current
            pairs = PAIR.findall(question["text"])
            if len(pairs) >= 2:
                current["codes"].update({c: _label(v) for c, v in pairs})
            continue
        if not line[:1].isspace():
            current = None  # a heading (Block: ...) ends the question
            continue
        if current is None:
            continue
        coded = CODE_LINE.fullmatch(line.rstrip())
        pairs = PAIR.findall(line)
        if len(pairs) >= 2:
            current["codes"].update({c: _label(v) for c, v in pairs})
        elif coded is not None and _label(coded["label"]):
            current["codes"][coded["code"]] = _label(coded["label"])
    return {q: v for q, v in found.items() if len(v["codes"]) >= 2}


def _words(text: str) -> str:
    """A question's words, without notes in brackets (``(single answer)``) or punctuation."""
    return re.sub(r"\W+", " ", re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)).strip().casefold()


def _alike(one: str, other: str) -> bool:
    n = min(len(one), len(other))
    return difflib.SequenceMatcher(None, one[:n], other[:n]).ratio() >= 0.9


def labels_for(
    listing: dict[str, dict], columns: list[str], questions: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Export column -> ``{code: label}``: by the question's id, else by its wording.

    ``questions`` holds each column's question text (an export's second header row); a
    listing question whose id is no column is matched to the column whose question starts
    the same way (90% alike), and left out when none does or two do.
    """
    labels: dict[str, dict[str, str]] = {}
    texts = {c: _words(t) for c, t in questions.items() if t}
    for qid, entry in listing.items():
        if qid in columns:
            labels[qid] = entry["codes"]
            continue
        wording = _words(entry["text"])
        close = [  # the listing may cut a long question, the export add an option's name
            c for c, t in texts.items() if min(len(t), len(wording)) >= 12 and _alike(wording, t)
        ]
        if len(close) == 1 and close[0] not in labels:
            labels[close[0]] = entry["codes"]
    return labels
