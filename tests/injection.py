"""Markup a hostile or careless client could put in any text field, and how to tell it ran.

Each payload, if it ever runs in a browser, sets the page title to ``PWNED``, logs
``PWNED`` and fetches ``/pwned-<name>``; each remote load asks for a ``remote.invalid``
address. A test that opens a report with these in every field checks that the title is
unchanged, that no ``PWNED`` was logged and that no request left the page.
"""

from __future__ import annotations

_RUN = "document.title='PWNED';console.log('PWNED');fetch('/pwned-{name}')"

#: name -> text put into a client's field.
PAYLOADS = {
    "img-onerror": f'<img src=x onerror="{_RUN.format(name="img")}">',
    "svg-onload": f'<svg onload="{_RUN.format(name="svg")}"></svg>',
    "script": f"<script>{_RUN.format(name='script')}</script>",
    "javascript-link": f'<a href="javascript:{_RUN.format(name="link")}">open</a>',
    "event-handler": (
        f'<div style="position:fixed;inset:0" onmouseover="{_RUN.format(name="handler")}">x</div>'
    ),
    "remote-image": '<img src="http://remote.invalid/tracker.png">',
    "remote-style": "<link rel=stylesheet href=http://remote.invalid/x.css>",
    "iframe": '<iframe src="http://remote.invalid/frame"></iframe>',
    "markdown-link": "[open](javascript:document.title='PWNED')",
    "markdown-image": "![tracker](http://remote.invalid/md.png)",
    "markdown-autolink": "<http://remote.invalid/auto>",
    "tex": "costs of $\\foo{$ per rep",
}

#: Everything at once, for fields that hold one text.
ALL = " ".join(PAYLOADS.values())

#: Elements no report holds: a payload that became markup shows up as one of them.
FORBIDDEN_ELEMENTS = ("script", "svg", "iframe", "object", "embed", "base", "form")


def unescaped(html: str) -> list[str]:
    """Payloads that became live markup in ``html``: forbidden elements, event-handler
    attributes, ``javascript:`` links, and images or links to anywhere but the page itself.

    The page is parsed (nbconvert re-serialises a report, so text may hold a plain ``'``
    that was escaped before): text that merely reads like markup is fine.
    """
    from bs4 import BeautifulSoup

    found = []
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        if element.name in FORBIDDEN_ELEMENTS:
            found.append(f"<{element.name}>")
        if element.name == "link" and not str(element.get("href", "")).startswith("data:"):
            found.append("<link>")  # the report's own icon is a data: link
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"<{element.name} {name}=...>")
            if name in ("href", "src", "action", "formaction", "srcset", "background"):
                target = text.strip().lower()
                if target.startswith(("javascript:", "http:", "https:", "//")):
                    found.append(f"<{element.name} {name}={text[:40]}>")
                if element.name == "img" and not target.startswith("data:"):
                    found.append(f"<img src={text[:40]}>")
    return found


def _inject(value: str, payload: str) -> str:
    return f"{value} {payload}"


def injected_instruments(folder) -> None:
    """The three shipped instruments in ``folder`` with a payload in every text field."""
    from pathlib import Path

    import yaml

    from analysis.core import paths

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(PAYLOADS)
    for path in sorted(paths.INSTRUMENTS_DIR.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec["title"] = _inject(spec["title"], ALL)
        spec["source"] = _inject(spec.get("source", ""), PAYLOADS["markdown-link"])
        for i, item in enumerate(spec["items"]):
            payload = PAYLOADS[names[i % len(names)]]
            for key in ("text", "topic", "view_1", "view_2"):
                if key in item:
                    item[key] = _inject(item[key], payload)
        spec["themes"] = {key: _inject(v, ALL) for key, v in (spec.get("themes") or {}).items()}
        scoring = spec.get("scoring") or {}
        if "label" in scoring:
            scoring["label"] = _inject(scoring["label"], PAYLOADS["svg-onload"])
        for band in scoring.get("bands", []):
            for key in ("label", "description"):
                if key in band:
                    band[key] = _inject(band[key], PAYLOADS["img-onerror"])
        if spec.get("groups"):
            spec["groups"] = [_inject(g, PAYLOADS[names[i]]) for i, g in enumerate(spec["groups"])]
        (folder / path.name).write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def injected_readiness_client(clients_dir, client_id: str = "injected-co"):
    """A client whose display name, instruments, group names and answers carry every payload."""
    import shutil
    from pathlib import Path

    import pandas as pd
    import yaml

    from analysis.core import paths

    source = paths.CLIENTS_DIR / "acme-learning"
    folder = Path(clients_dir) / client_id
    folder.mkdir(parents=True)
    for name in ("readiness.csv", "failure_reasons.csv", "kpi_panel.csv", "kpi_targets.csv"):
        shutil.copy(source / name, folder / name)
    injected_instruments(folder / "instruments")
    groups = yaml.safe_load((folder / "instruments" / "two_views.yml").read_text())["groups"]
    shipped = yaml.safe_load((paths.INSTRUMENTS_DIR / "two_views.yml").read_text())["groups"]
    views = pd.read_csv(source / "two_views.csv", dtype=str)
    views["group"] = views["group"].map(dict(zip(shipped, groups, strict=True)))
    views.to_csv(folder / "two_views.csv", index=False)
    config = {
        "display_name": f"Injected Co {ALL}",
        "studies": {
            "readiness_alignment": {
                "data": {
                    "responses": {
                        "strategic_readiness": "readiness.csv",
                        "failure_reasons": "failure_reasons.csv",
                        "two_views": "two_views.csv",
                    },
                    "kpi_panel_path": "kpi_panel.csv",
                    "kpi_targets_path": "kpi_targets.csv",
                },
                "parameters": {"instruments_dir": "instruments", "min_cell_size": 5},
            }
        },
    }
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder
