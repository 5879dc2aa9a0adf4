"""A real browser opens a rendered report and the index: no console errors, no broken images.

Uses Debian's ``chromium`` (installed by .ci/run) driven by Playwright; skips with a
reason when Chromium is not installed.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading

import pytest

from analysis.render.batch import render_batch
from analysis.report import display
from injection import ALL, PAYLOADS, injected_readiness_client, unescaped

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


# ------------------------------------------------- no script from client text, nothing fetched


def _watch(browser, url: str) -> dict:
    """Open ``url`` as a reader would (hover, click every link) and record what happened."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    seen: dict = {"requests": [], "console": [], "dialogs": [], "blocked": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on(  # a load the policy refused never leaves the browser
        "requestfailed",
        lambda request: (
            seen["blocked"].append(request.url)
            if (request.failure or "").lower() in ("csp", "net::err_blocked_by_csp")
            else None
        ),
    )
    page.on("console", lambda message: seen["console"].append(message.text))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.goto(url, wait_until="load")
    page.mouse.move(300, 300)
    page.mouse.move(500, 700)
    page.evaluate("document.querySelectorAll('a[href^=\"javascript:\"]').forEach(a => a.click())")
    page.wait_for_timeout(300)
    seen["title"] = page.title()
    seen["csp"] = page.evaluate(
        "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')?.content || ''"
    )
    seen["images"] = page.evaluate(
        "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length"
    )
    page.close()
    for blocked in seen["blocked"]:
        seen["requests"].remove(blocked)
    seen["requests"] = [
        r for r in seen["requests"] if r != url and not r.startswith(("data:", "about:"))
    ]
    seen["ran"] = [m for m in seen["console"] if "PWNED" in m] + (
        ["title changed"] if seen["title"] == "PWNED" else []  # a payload's own assignment
    )
    return seen


@contextlib.contextmanager
def _chromium():
    if CHROMIUM is None:
        pytest.skip(
            "Debian's chromium is not installed (`apt-get install chromium`; .ci/run does it)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium():
    with _chromium() as browser:
        yield browser


def _hostile_notebook():
    """Outputs holding raw payloads, as if a display helper had missed an escape."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell(f"## Section\n\n{ALL}")]
    for name, payload in PAYLOADS.items():
        data = {"text/html": payload, "text/plain": name}
        output = nbformat.v4.new_output("display_data", data=data)
        cells.append(nbformat.v4.new_code_cell("", outputs=[output]))
    script = {"application/javascript": "document.title='PWNED'", "text/plain": "js"}
    cells.append(
        nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", data=script)])
    )
    figure = {"text/html": display.figure(_tiny_figure(), caption="a figure")._repr_html_()}
    cells.append(
        nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", data=figure)])
    )
    nb.cells = cells
    nb.metadata["workbench"] = {"title": "Hostile outputs"}
    return nb


def _tiny_figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    return fig


def test_the_policy_stops_scripts_and_remote_loads_even_in_unescaped_markup(chromium, tmp_path):
    """The Content-Security-Policy alone holds when an escape is missed: nothing runs or loads."""
    from analysis.render.export import CONTENT_SECURITY_POLICY, export_html

    html = export_html(_hostile_notebook(), {"client_id": "x", "client_name": "X", "study": "s"})
    assert html.count("<title>") == 1 and "<title>Hostile outputs · X</title>" in html
    assert "document.title='PWNED'\n</script>" not in html  # JavaScript outputs are left out
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    seen = _watch(chromium, report.as_uri())
    assert seen["csp"] == CONTENT_SECURITY_POLICY
    assert seen["ran"] == [] and seen["dialogs"] == [], seen
    assert seen["requests"] == [], seen["requests"]
    assert seen["images"] >= 1  # the figure (a data: image) still shows


@pytest.mark.render
def test_an_injected_report_runs_no_script_and_fetches_nothing(tmp_path):
    """Issue 29: a payload in every instrument field, the group names and the display name."""
    import shutil

    import pypdfium2 as pdfium

    from analysis.core import paths
    from analysis.render.pdf import write_pdfs

    shutil.copytree(paths.NOTEBOOKS_DIR, tmp_path / "notebooks")
    injected_readiness_client(tmp_path / "clients")
    result = render_batch(
        output_dir=tmp_path / "reports",
        clients_dir=tmp_path / "clients",
        notebooks_dir=tmp_path / "notebooks",
        jobs=1,
        progress=False,
    )
    assert [o.status for o in result.outcomes] == ["ok"], result.outcomes
    report = tmp_path / "reports" / "injected-co" / "readiness_alignment.html"
    html = report.read_text(encoding="utf-8")
    assert unescaped(html) == [] and "&lt;svg onload" in html and "Strategic readiness" in html
    index = tmp_path / "reports" / "index.html"
    assert unescaped(index.read_text(encoding="utf-8")) == []
    with _chromium() as chromium:
        for page in (report, index):
            seen = _watch(chromium, page.as_uri())
            assert seen["ran"] == [] and seen["dialogs"] == [] and seen["requests"] == [], seen
            assert seen["csp"] and seen["title"] != "PWNED"
    assert write_pdfs([report]) == {}
    metadata = pdfium.PdfDocument(report.with_suffix(".pdf")).get_metadata_dict()
    assert metadata["Title"] == f"Strategic readiness and stakeholder alignment · Injected Co {ALL}"
    assert str(tmp_path) not in metadata["Title"]  # the report's title, not the file's path


def test_the_pdf_printer_runs_no_script(tmp_path):
    """Chromium prints with JavaScript off: a script in a page (no policy) changes nothing."""
    if CHROMIUM is None:
        pytest.skip(
            "Debian's chromium is not installed (`apt-get install chromium`; .ci/run does it)"
        )
    import pypdfium2 as pdfium

    from analysis.render.pdf import write_pdfs

    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Plain title</title></head><body><p id=p>printed text</p><script>"
        "document.title='PWNED';document.getElementById('p').textContent='PWNED'</script></body></html>",
        encoding="utf-8",
    )
    assert write_pdfs([page]) == {}
    document = pdfium.PdfDocument(page.with_suffix(".pdf"))
    text = document[0].get_textpage().get_text_range()
    assert "printed text" in text and "PWNED" not in text
    assert document.get_metadata_dict()["Title"] == "Plain title"
