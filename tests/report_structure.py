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
