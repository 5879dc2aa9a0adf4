"""The structure of a rendered report: headings, table headers and image count.

``tests/test_render.py`` compares the example reports with ``tests/snapshots/*.json``.
A deliberate change to a notebook's layout updates them with ``make snapshots``
(``UPDATE_SNAPSHOTS=1``); review the diff of the JSON before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def _text(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ", strip=True)).replace("¶", "").strip()


def structure(html: str) -> dict:
    """Headings (level and text), each table's column headers, and the number of images."""
    from bs4 import BeautifulSoup

    body = BeautifulSoup(html, "html.parser").body
    assert body is not None
    return {
        "headings": [f"{h.name}: {_text(h)}" for h in body.find_all(["h1", "h2", "h3"])],
        "tables": [
            [_text(th) for th in table.find_all("th") if th.find_parent("thead")]
            for table in body.find_all("table")
        ],
        "images": len(body.find_all("img")),
    }


def check_snapshot(name: str, html: str) -> None:
    """Assert ``html`` has the structure stored as ``name``; store it when UPDATE_SNAPSHOTS=1."""
    path = SNAPSHOTS / f"{name}.json"
    found = structure(html)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(f"no snapshot {path.name}; run `make snapshots` to create it")
        path.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    for key in ("headings", "tables", "images"):
        assert found[key] == expected[key], (
            f"{name}: the report's {key} changed; if on purpose, run `make snapshots` and "
            f"review the diff.\nexpected {expected[key]}\nfound    {found[key]}"
        )


#: Headings of table columns that hold counts or test results, never money.
NOT_MONEY_COLUMNS = {
    "n",
    "Reps",
    "Reps answering",
    "Rep-periods",
    "Leads",
    "df",
    "p-value",
    "p-value (Holm)",
    "F statistic",
    "Hedges' g_z",
}
_AMOUNT = re.compile(r"(?<![\d,.])[−+]?(\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?![\d,])")
#: A count noun right after a figure: the figure counts things, it is not money.
_COUNTED = re.compile(
    r"\s+(?:draws|sign vectors|resamples|reps?|rep-\w+|respondents|responses|rows|deals|people)\b"
)
#: A table cell that shows one figure (``USD −4,642``, ``€972``, ``38.5%``, ``<0.001``).
_FIGURE = re.compile(r"[<>]?[−+]?(?:[A-Z]{3} |[^\w\s]{1,2})?[−+]?\d[\d,.]*%?")


def _marker(currency: str, symbol: str | None, also: tuple[str, ...] = ()) -> str:
    """What must stand right before a money figure: ``USD `` (code) or ``€`` (symbol);
    ``also``: codes of other currencies a figure may be stated in (costs as stated)."""
    first = re.escape(symbol) if symbol else rf"{currency}\s"
    return "(?:" + "|".join([first, *(rf"{code}\s" for code in also)]) + ")"


def bare_amounts(
    html: str, currency: str, symbol: str | None = None, also: tuple[str, ...] = ()
) -> list[str]:
    """The money figures of a report that do not carry the client's currency.

    Thousands (``4,642``) outside count and test columns are money in a training report:
    in the text each must follow the currency (``USD 4,642``, ``€4,642``) or be the upper
    bound of a range that starts with it (``USD 3,343 to 5,941``). In a table a row that
    shows money in one cell shows it in every figure outside count and test columns
    (``USD 4,642 | 3,343`` is a bare bound). The provenance footer is left out.
    """
    from bs4 import BeautifulSoup

    body = BeautifulSoup(html, "html.parser").body
    assert body is not None
    for footer in body.select(".wb-provenance, style, script"):
        footer.decompose()
    marker = _marker(currency, symbol, also)
    sign = "[−+]?"
    found = []
    for table in body.find_all("table"):
        headers = [_text(th) for th in table.find_all("th") if th.find_parent("thead")]
        for row in table.select("tbody tr"):
            cells = [_text(td) for td in row.find_all(["td", "th"])]
            cells = cells[-len(headers) :] if headers else cells
            money = [
                c
                for h, c in zip(headers or [""] * len(cells), cells, strict=False)
                if h not in NOT_MONEY_COLUMNS and _FIGURE.fullmatch(c)
            ]
            marked = [bool(re.match(rf"{sign}{marker}|{marker}{sign}", c)) for c in money]
            large = [c for c, m in zip(money, marked, strict=True) if _AMOUNT.search(c) and not m]
            if any(marked) and not all(marked):
                found += [c for c, m in zip(money, marked, strict=True) if not m]
            else:
                found += large
        table.decompose()
    text = " ".join(body.get_text(" ").split())
    for match in _AMOUNT.finditer(text):
        before = text[: match.start()]
        if _COUNTED.match(text, match.end()):  # "9,999 draws", "3,079 rep-months": counts
            continue
        if re.search(rf"{sign}{marker}{sign}$", before):
            continue
        if re.search(rf"{marker}{sign}[\d,.]+ to $", before):  # a code's range: "USD 1 to 2"
            continue
        found.append(text[max(0, match.start() - 30) : match.end()])
    return found
