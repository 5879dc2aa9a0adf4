"""A real browser opens a rendered report and the index: no console errors, no broken images.

Uses Debian's ``chromium`` (installed by .ci/run) driven by Playwright; skips with a
reason when Chromium is not installed.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from analysis.render.batch import render_batch

pytestmark = [pytest.mark.browser, pytest.mark.render]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def served_reports(example_project):
    result = render_batch(
        output_dir=example_project["reports"],
        clients_dir=example_project["clients"],
        notebooks_dir=example_project["notebooks"],
        clients=["acme-learning"],
        jobs=1,
        progress=False,
    )
    assert result.exit_code == 0, result.outcomes
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(example_project["reports"])
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", example_project["root"]
    server.shutdown()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (`apt-get install chromium`; .ci/run does it)",
)
def test_report_and_index_load_cleanly_in_chromium(served_reports, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, _ = served_reports
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path, shot in (
                ("/acme-learning/org_effectiveness.html", "report.png"),
                ("/index.html", "index.png"),
            ):
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                errors: list[str] = []
                page.on(
                    "console",
                    lambda message, errors=errors: (
                        errors.append(message.text) if message.type == "error" else None
                    ),
                )
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                failed: list[str] = []
                page.on("requestfailed", lambda request, failed=failed: failed.append(request.url))
                response = page.goto(base + path, wait_until="load")
                assert response is not None and response.ok
                page.screenshot(path=str(tmp_path / shot), full_page=True)
                broken = page.evaluate(
                    "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
                )
                assert errors == [] and failed == [] and broken == 0, (path, errors, failed, broken)
                if path.endswith("org_effectiveness.html"):
                    assert page.evaluate("document.images.length") >= 2
                    assert page.locator("nav.wb-toc a").count() >= 3
                    assert page.locator("h1").inner_text().startswith("Effective and ineffective")
                    # every table of contents link points at a heading that exists
                    targets = page.evaluate(
                        "Array.from(document.querySelectorAll('nav.wb-toc a')).map(a => !!document.getElementById(decodeURIComponent(a.hash.slice(1))))"
                    )
                    assert all(targets)
                else:
                    page.locator("a", has_text="report").first.click()
                    page.wait_for_load_state("load")
                    assert page.url.endswith("org_effectiveness.html")
                page.close()
            assert (tmp_path / "report.png").stat().st_size > 10_000
        finally:
            browser.close()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (`apt-get install chromium`; .ci/run does it)",
)
def test_on_a_390_px_phone_the_page_does_not_scroll_sideways_and_tables_scroll_in_their_box(
    served_reports, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, _ = served_reports
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in ("/acme-learning/training_impact.html", "/index.html"):
                page = browser.new_page(viewport={"width": 390, "height": 844})
                assert page.goto(base + path, wait_until="load").ok
                # the page itself is no wider than the phone
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
                # a table wider than the screen scrolls inside a box that fits the screen
                overflowing = page.evaluate(
                    """Array.from(document.querySelectorAll('table')).filter(t => {
                        for (let e = t; e && e !== document.body; e = e.parentElement) {
                            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
                            if (e.getBoundingClientRect().right <= 391 && (scrolls || e === t)) {
                                return false;
                            }
                        }
                        return true;
                    }).length"""
                )
                assert overflowing == 0, path
                page.screenshot(path=str(tmp_path / "phone.png"))
                page.close()
        finally:
            browser.close()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (`apt-get install chromium`; .ci/run does it)",
)
def test_render_prints_a_pdf_with_its_text_and_figures(project):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    def render():
        return render_batch(
            output_dir=project["reports"],
            clients_dir=project["clients"],
            notebooks_dir=project["notebooks"],
            jobs=1,
            progress=False,
            formats=("html", "pdf"),
        )

    result = render()
    assert result.exit_code == 0 and result.pdf_errors == [], (result.outcomes, result.pdf_errors)
    assert result.messages == ["2 PDF(s) written beside the HTML reports"]
    pdf = project["reports"] / "alpha" / "probe.pdf"
    document = pdfium.PdfDocument(pdf)
    pages = [document[i] for i in range(len(document))]
    text = " ".join(page.get_textpage().get_text_range() for page in pages)
    assert "Alpha Corp" in text and "First section" in text and "Rows of Alpha Corp" in text
    assert "Beta Ltd" not in text
    images = [o for page in pages for o in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    assert images, "the figure is missing from the PDF"
    picture = pages[0].render(scale=1).to_pil().convert("L")  # the page as a PNG-able bitmap
    assert picture.getextrema()[0] < 100  # dark ink on the page, not a blank sheet
    index = (project["reports"] / "index.html").read_text(encoding="utf-8")
    assert 'href="alpha/probe.pdf"' in index and 'href="beta/probe.pdf"' in index
    # unchanged reports keep their PDFs
    written = pdf.stat().st_mtime
    assert render().messages == ["every PDF is up to date"]
    assert pdf.stat().st_mtime == written


def test_pdf_is_skipped_with_a_clear_message_without_chromium(monkeypatch):
    from analysis.render.pdf import pdf_unavailable

    monkeypatch.setenv("WORKBENCH_CHROMIUM", "/nonexistent/chromium")
    assert "WORKBENCH_CHROMIUM is set to '/nonexistent/chromium', which is not a file" in (
        pdf_unavailable()
    )
    monkeypatch.delenv("WORKBENCH_CHROMIUM")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "PDF skipped: no Chromium found" in pdf_unavailable()


def test_index_links_a_pdf_only_when_it_is_as_new_as_its_report(tmp_path):
    import os

    from analysis.render.index import _current_pdf

    html, pdf = tmp_path / "study.html", tmp_path / "study.pdf"
    html.write_text("<html></html>")
    assert not _current_pdf(html)
    pdf.write_bytes(b"%PDF-1.7")
    os.utime(pdf, (html.stat().st_mtime + 5, html.stat().st_mtime + 5))
    assert _current_pdf(html)
    os.utime(html, (pdf.stat().st_mtime + 5, pdf.stat().st_mtime + 5))  # re-rendered, PDF not
    assert not _current_pdf(html)
