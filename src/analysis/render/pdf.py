"""PDF copies of the HTML reports, printed by Chromium (through Playwright).

Clients receive reports by email and print them. A PDF is the HTML report printed
with its print stylesheet (A4; sections run on, the appendix starts a page; no card,
table or figure cut in two; headings kept with what follows), with a running header
naming the report and the client (the HTML's title) and page numbers in the footer,
written beside the HTML as ``<study>.pdf``. One headless Chromium prints every PDF
of a batch. Where Chromium or Playwright is missing, :func:`pdf_unavailable` says
what to install, and the batch renders the HTML only. Chromium prints with JavaScript
disabled and offline, and the PDF's title is the report's own (study and client).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "CHROMIUM_ARGS",
    "FOOTER",
    "HEADER",
    "find_chromium",
    "pdf_unavailable",
    "stale_pdfs",
    "write_pdfs",
]

#: The running header: the document's title, which is the report's title and the client.
HEADER = (
    '<div style="font-family: Helvetica, Arial, sans-serif; font-size: 8px; color: #5b6673; '
    'width: 100%; padding: 0 14mm; text-align: right;"><span class="title"></span></div>'
)
#: The footer: page numbers.
FOOTER = (
    '<div style="font-family: Helvetica, Arial, sans-serif; font-size: 8px; color: #5b6673; '
    'width: 100%; padding: 0 14mm; text-align: center;">Page <span class="pageNumber"></span> '
    'of <span class="totalPages"></span></div>'
)

#: Chromium flags for a headless print on a machine with no network and no display.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome binary: ``$WORKBENCH_CHROMIUM``, then the usual names."""
    configured = os.environ.get("WORKBENCH_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_unavailable() -> str | None:
    """Why PDFs cannot be printed here, with the fix; None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "PDF skipped: the Python package playwright is not installed "
            "(run `make setup`, which installs the pinned version)."
        )
    configured = os.environ.get("WORKBENCH_CHROMIUM")
    if configured and not Path(configured).is_file():
        return (
            f"PDF skipped: WORKBENCH_CHROMIUM is set to {configured!r}, which is not a file; point it "
            "at a Chromium or Chrome binary (e.g. /usr/bin/chromium) or unset it."
        )
    if find_chromium() is None:
        return (
            "PDF skipped: no Chromium found. Install it (Debian/Ubuntu: `sudo apt-get install "
            "chromium`) or set WORKBENCH_CHROMIUM to a Chromium or Chrome binary."
        )
    return None


def stale_pdfs(html_files: Iterable[Path]) -> list[Path]:
    """Return the HTML reports whose PDF is missing or older than the HTML."""
    stale = []
    for html in html_files:
        pdf = html.with_suffix(".pdf")
        if not pdf.exists() or pdf.stat().st_mtime < html.stat().st_mtime:
            stale.append(html)
    return stale


def write_pdfs(html_files: Iterable[Path], *, timeout: float = 120) -> dict[Path, str]:
    """Print each HTML report to ``<same name>.pdf`` with one headless Chromium.

    Returns
    -------
    dict
        Failures: HTML path -> message (empty when every PDF was written). A PDF is
        written to a temporary name and moved into place, so a failed print never
        leaves a half-written file.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    files = list(html_files)
    failures: dict[Path, str] = {}
    if not files:
        return failures
    chromium = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        # a report needs neither: whatever markup it holds runs no script and fetches nothing
        context = browser.new_context(java_script_enabled=False, offline=True)
        try:
            for html in files:
                pdf, partial = html.with_suffix(".pdf"), html.with_suffix(".pdf.partial")
                page = context.new_page()
                try:
                    page.goto(html.resolve().as_uri(), timeout=timeout * 1000)
                    page.emulate_media(media="print")
                    page.pdf(
                        path=str(partial),
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template=HEADER,
                        footer_template=FOOTER,
                        margin={"top": "18mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                    )
                    os.replace(partial, pdf)
                except PlaywrightError as error:
                    partial.unlink(missing_ok=True)
                    failures[html] = f"PDF of {html.name} failed: {str(error).splitlines()[0]}"
                finally:
                    page.close()
        finally:
            context.close()
            browser.close()
    return failures
