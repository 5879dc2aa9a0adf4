"""A shared delivery from raw files to the rendered report, read as the client reads it.

``d01`` (Salesforce opportunities, Cornerstone transcripts, an HR roster and a cost
workbook) goes through new-client, draft-codebook, the answers of its ``fixes.yml``,
import and validate (:func:`test_deliveries.run_delivery`), then ``render``; the test reads
the HTML: its title, the currency on every money figure, a body without parameter, file or
column names, Python values or statistical terms, one estimate of the outcome, the planted
effect (TRUTH.md) in the printed 95% range, and a provenance that names the raw files and
the match counts. One render (about 10 s after the import's 15 s).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from report_structure import bare_amounts
from test_deliveries import expected, raw_files, run_delivery
from test_render import NOT_IN_BODY, body_and_appendix, html_text

pytestmark = pytest.mark.render

D01 = "d01_brightwater_salesforce_cornerstone"


@pytest.fixture(scope="module")
def d01(tmp_path_factory):
    """The rendered training report of d01 and what its run said."""
    from analysis.core import paths
    from analysis.render.batch import render_batch

    root = tmp_path_factory.mktemp("d01")
    clients = root / "clients"
    clients.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "CLIENTS_DIR", clients)
        run = run_delivery(D01, clients)
        assert not run.stopped, (run.stopped, run.errors, run.said.get("import"))
        result = render_batch(
            output_dir=root / "reports",
            clients_dir=clients,
            notebooks_dir=paths.NOTEBOOKS_DIR,
            clients=[run.folder.name],
            jobs=1,
            progress=False,
        )
    assert [(o.study, o.status) for o in result.outcomes] == [("training_impact", "ok")], (
        result.outcomes
    )
    folder = root / "reports" / run.folder.name
    return {
        "run": run,
        "page": (folder / "training_impact.html").read_text(encoding="utf-8"),
        "records": {
            r["name"]: r for r in json.loads((folder / "training_impact.results.json").read_text())
        },
    }


def test_the_title_names_the_report_and_the_client(d01):
    config = yaml.safe_load((d01["run"].folder / "client.yml").read_text(encoding="utf-8"))
    titles = re.findall(r"<title>([^<]*)</title>", d01["page"])
    assert titles == [f"Did the training pay? · {config['display_name']}"]


def test_the_body_is_plain_and_every_amount_carries_the_currency(d01):
    page = d01["page"]
    body, appendix = body_and_appendix(page)
    for pattern in NOT_IN_BODY:
        found = re.findall(pattern, body)
        assert not found, (pattern, found[:5])
    assert "p-value" in appendix and "Glossary" in appendix
    assert not bare_amounts(page, "USD"), bare_amounts(page, "USD")[:5]
    assert re.search(r"USD \d{1,3},\d{3} per rep and month", body)


def test_one_estimate_of_the_effect_and_the_planted_effect_in_its_printed_range(d01):
    from analysis.report.display import card_values

    page, records = d01["page"], d01["records"]
    body, appendix = body_and_appendix(page)
    effect, _ = card_values(records["effect"])
    assert body.count(effect) >= 2  # the first screen and the results section agree
    # the other estimators and the naive difference are in the appendix only
    others = re.findall(
        r"(?:Two-way fixed effects|Naive: trained minus untrained) (USD [\d,]+)", appendix
    )
    assert len(others) == 2
    for figure in others:
        assert figure not in body, figure
    printed = re.search(r"95% range USD ([\d,]+) to ([\d,]+)\)", records["answer"]["text"])
    assert printed, records["answer"]["text"]
    low, high = (float(v.replace(",", "")) for v in printed.groups())
    planted = expected(D01)["truth"]["planted"]
    assert low < planted < high, (low, planted, high)
    assert records["answer"]["text"] in body


def test_the_provenance_names_the_raw_files_and_the_match_counts(d01):
    page = d01["page"]
    footer = html_text(page[page.index('class="wb-provenance"') :])
    for file in raw_files(D01):
        assert file in footer, file
    # TRUTH.md: 132 roster reps, all matched by e-mail in both files; 34 won rows of five
    # people who are not reps (the integration user and four directors) left out
    assert (
        "reps matched to the list of reps by e-mail address: 132 of 132; 5 people in this file "
        "are not on the list (34 deal rows, left out)" in footer
    )
    assert "93 reps trained, 39 never" in footer
    assert "3,079 rep-months" in footer
    assert not re.search(r"\b[0-9a-f]{13,}\b", footer)  # hashes only as 12-character prints
    assert "Fingerprint" in footer
