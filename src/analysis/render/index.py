"""``reports/index.html``: every client and study with status, headline numbers and links."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

import analysis
from analysis.clients.discovery import Discovery
from analysis.core import paths
from analysis.render.export import CONTENT_SECURITY_POLICY
from analysis.render.hashing import atomic_write
from analysis.report.display import card_values

__all__ = ["HEADLINES_SHOWN", "index_rows", "study_title", "write_index"]

HEADLINES_SHOWN = 4


def _headlines(out_dir: Path, study: str) -> tuple[str, list[dict[str, str]]]:
    """Return the report's first sentence and its headline figures, as its first screen shows them.

    Records marked ``card: False`` (a figure the report explains in its appendix, such as
    the naive difference) are never headlines here either.
    """
    try:
        records = json.loads((out_dir / f"{study}.results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "", []
    answer = next((str(r.get("text", "")) for r in records if r.get("name") == "answer"), "")
    shown = []
    cards = [r for r in records if r.get("name") != "answer" and r.get("card", True) is not False]
    for record in cards[:HEADLINES_SHOWN]:
        value, interval = card_values(record)
        shown.append(
            {
                "label": str(record.get("label", record.get("name", ""))),
                "value": value,
                "interval": interval,
            }
        )
    return answer, shown


def _current_pdf(html: Path) -> bool:
    """Return a PDF beside the report that is at least as new as it (a stale one is not linked)."""
    pdf = html.with_suffix(".pdf")
    return html.is_file() and pdf.is_file() and pdf.stat().st_mtime >= html.stat().st_mtime


def study_title(notebook: Path, cache: dict[Path, str]) -> str:
    """Return the report title kept in the notebook's metadata (``workbench.title``), or ''."""
    if notebook not in cache:
        try:
            metadata = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {})
            cache[notebook] = str(metadata.get("workbench", {}).get("title", ""))
        except (OSError, ValueError):
            cache[notebook] = ""
    return cache[notebook]


def index_rows(output_dir: Path, discovery: Discovery) -> list[dict[str, Any]]:
    """One row per configured client x study, read from the status files."""
    rows = []
    titles: dict[Path, str] = {}
    for client in discovery.clients:
        out_dir = output_dir / client.client_id
        for study, spec in client.studies.items():
            try:
                status = json.loads((out_dir / f"{study}.status.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                status = {"status": "not rendered"}
            html = out_dir / f"{study}.html"
            rows.append(
                {
                    "client_id": client.client_id,
                    "client_name": client.display_name,
                    "study": study,
                    "title": study_title(spec.notebook, titles),
                    "status": status.get("status", "unknown"),
                    "error": status.get("error"),
                    "last_success": status.get("last_success"),
                    "finished": status.get("finished"),
                    "report": f"{client.client_id}/{study}.html" if html.is_file() else None,
                    "pdf": f"{client.client_id}/{study}.pdf" if _current_pdf(html) else None,
                    "notebook": f"{client.client_id}/{study}.ipynb"
                    if (out_dir / f"{study}.ipynb").is_file()
                    else None,
                    "results": f"{client.client_id}/results.json"
                    if (out_dir / "results.json").is_file()
                    else None,
                    "failed_notebook": f"{client.client_id}/{study}.failed.ipynb"
                    if (out_dir / f"{study}.failed.ipynb").is_file()
                    else None,
                    **dict(
                        zip(
                            ("answer", "headlines"),
                            _headlines(out_dir, study) if html.is_file() else ("", []),
                            strict=True,
                        )
                    ),
                }
            )
    return rows


def write_index(output_dir: Path, discovery: Discovery, config_errors: dict[str, str]) -> Path:
    """Render ``index.html`` into ``output_dir`` (atomically); names and errors are escaped."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    rows = index_rows(Path(output_dir), discovery)
    html = environment.get_template("index.html.j2").render(
        rows=rows,
        config_errors=config_errors,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=analysis.__version__,
        n_failed=sum(r["status"] in ("failed", "config-error") for r in rows) + len(config_errors),
        csp=CONTENT_SECURITY_POLICY,
    )
    target = Path(output_dir) / "index.html"
    # a text no reader refused but UTF-8 cannot hold is shown escaped, never a failed index
    atomic_write(target, html.encode("utf-8", errors="backslashreplace"))
    return target
