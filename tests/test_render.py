"""End-to-end batch rendering on a real kernel: outputs, skipping, failures, timeouts, escaping."""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest
import yaml

from analysis.clients.discovery import ClientConfigError
from analysis.render.batch import render_batch
from analysis.report.display import format_interval, format_value
from conftest import add_client, make_notebook
from report_structure import bare_amounts, check_snapshot

pytestmark = pytest.mark.render


def run(project, **kwargs):
    kwargs.setdefault("jobs", 1)
    return render_batch(
        output_dir=project["reports"],
        clients_dir=project["clients"],
        notebooks_dir=project["notebooks"],
        progress=False,
        **kwargs,
    )


def test_render_writes_outputs_skips_when_unchanged_and_rerenders_on_change(project):
    result = run(project)
    assert [o.status for o in result.outcomes] == ["ok", "ok"], result.outcomes
    assert result.exit_code == 0
    out = project["reports"] / "alpha"
    for name in (
        "probe.html",
        "probe.ipynb",
        "probe.results.json",
        "results.json",
        "probe.status.json",
    ):
        assert (out / name).is_file(), name
    records = json.loads((out / "results.json").read_text())
    assert {r["name"]: r["estimate"] for r in records}["rows"] == 3
    assert all(r["client_id"] == "alpha" and r["study"] == "probe" for r in records)

    again = run(project)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]

    (project["clients"] / "beta" / "data.csv").write_text("one\ntwo")
    third = run(project)
    assert {o.client_id: o.status for o in third.outcomes} == {"alpha": "skipped", "beta": "ok"}
    assert {
        r["name"]: r["estimate"]
        for r in json.loads((project["reports"] / "beta" / "results.json").read_text())
    }["rows"] == 2

    forced = run(project, force=True, clients=["alpha"])
    assert [(o.client_id, o.status) for o in forced.outcomes] == [("alpha", "ok")]


def test_html_has_no_code_embeds_images_and_shows_results_json_numbers(project):
    run(project)
    html = (project["reports"] / "alpha" / "probe.html").read_text()
    body = html[html.index("<body") :]
    assert (
        "jp-InputArea-editor" not in body
        and "jp-InputPrompt" not in body
        and "hl-ipython" not in body
    )
    assert "publish_summary" not in body and "import time" not in body
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 1
    assert "<figcaption>Rows of Alpha Corp</figcaption>" in html
    assert (
        'class="wb-toc"' in html
        and 'href="#First-section"' in html
        and 'id="First-section"' in html
    )
    assert "Probe study" in html and "Alpha Corp" in html
    # summary first: the headline block comes before the first section
    assert html.index('class="wb-headline"') < html.index('id="First-section"')
    # provenance footer
    footer = html[html.index('class="wb-provenance"') :]
    for expected in ("Alpha Corp", "data.csv", "SHA-256", "git commit", "took", "workbench"):
        assert expected in footer
    # warnings are shown as notes without file paths
    assert "a planted note for the reader" in html and ".py:" not in html.split("wb-note")[1][:300]
    # every headline number in results.json is shown in the report, formatted the same way
    for record in json.loads((project["reports"] / "alpha" / "probe.results.json").read_text()):
        assert format_value(record["estimate"], record["unit"]) in html
        if record.get("conf_low") is not None:
            assert format_interval(record["conf_low"], record["conf_high"], record["unit"]) in html
    index = (project["reports"] / "index.html").read_text()
    assert "Alpha Corp" in index and "Beta Ltd" in index
    assert 'href="alpha/probe.html"' in index and 'href="beta/probe.html"' in index


def test_failure_keeps_previous_report_and_others_go_on(project):
    run(project)
    good = (project["reports"] / "beta" / "probe.html").read_text()
    config = yaml.safe_load((project["clients"] / "beta" / "client.yml").read_text())
    config["studies"]["probe"]["parameters"] = {"fail": True}
    (project["clients"] / "beta" / "client.yml").write_text(yaml.safe_dump(config))
    add_client(project["clients"], "gamma", "Gamma plc")
    result = run(project)
    status = {o.client_id: o for o in result.outcomes}
    assert status["beta"].status == "failed" and "planted failure" in status["beta"].error
    assert status["gamma"].status == "ok" and status["alpha"].status == "skipped"
    assert result.exit_code == 1
    assert (project["reports"] / "beta" / "probe.html").read_text() == good
    failed_nb = nbformat.read(project["reports"] / "beta" / "probe.failed.ipynb", as_version=4)
    assert any(
        o.get("ename") == "ValueError" for c in failed_nb.cells for o in c.get("outputs", [])
    )
    failed_text = (project["reports"] / "beta" / "probe.failed.ipynb").read_text()
    assert str(project["root"]) not in failed_text  # no path of the machine that rendered it
    index = (project["reports"] / "index.html").read_text()
    assert "planted failure" in index and "failed notebook" in index and "last good report" in index
    # fixing the input renders again and drops the failed notebook
    config["studies"]["probe"]["parameters"] = {}
    (project["clients"] / "beta" / "client.yml").write_text(yaml.safe_dump(config))
    assert {o.client_id: o.status for o in run(project).outcomes}["beta"] == "ok"
    assert not (project["reports"] / "beta" / "probe.failed.ipynb").exists()


@pytest.mark.slow  # waits for a report to run out of time: CI runs it in make test-slow
def test_timeout_fails_one_report_only(project):
    config = yaml.safe_load((project["clients"] / "alpha" / "client.yml").read_text())
    config["studies"]["probe"]["parameters"] = {"sleep": 30.0}
    (project["clients"] / "alpha" / "client.yml").write_text(yaml.safe_dump(config))
    result = run(project, timeout=6)
    status = {o.client_id: o for o in result.outcomes}
    assert status["alpha"].status == "failed" and "timed out" in status["alpha"].error
    assert status["beta"].status == "ok"
    assert (project["reports"] / "alpha" / "probe.failed.ipynb").exists()


def test_a_report_over_its_memory_limit_fails_alone(project):
    cells = [
        (
            "code",
            'client_name = "Hog"\nclient_id = "hog"\ndata_path = None\ngb = 0.0',
            ["parameters"],
        ),
        ("code", "blob = bytearray(int(gb * 1024**3))", []),
    ]
    make_notebook(project["notebooks"] / "hog.ipynb", cells)
    add_client(project["clients"], "gamma", "Gamma plc", parameters={"gb": 4.0}, study="hog")
    result = run(project, memory_limit_gb=2)
    status = {o.client_id: o for o in result.outcomes}
    assert status["gamma"].status == "failed"
    assert status["gamma"].error.startswith("out of memory (2 GB): gamma/hog needed more than")
    assert status["alpha"].status == "ok" and status["beta"].status == "ok"
    with pytest.raises(ClientConfigError, match="--memory-limit must be a number of GB"):
        run(project, memory_limit_gb=0.2)


@pytest.mark.slow  # starts a Dask LocalCluster with two warm kernels: ~30 s, run by make test-slow
def test_a_dask_local_cluster_renders_like_the_local_pool(project):
    """--cluster local: two Dask workers with warm kernels; failures, skips and status as locally."""
    config = yaml.safe_load((project["clients"] / "beta" / "client.yml").read_text())
    config["studies"]["probe"]["parameters"] = {"fail": True}
    (project["clients"] / "beta" / "client.yml").write_text(yaml.safe_dump(config))
    result = run(project, jobs=2, cluster="local")
    status = {o.client_id: o for o in result.outcomes}
    assert status["alpha"].status == "ok", status["alpha"].error
    assert status["beta"].status == "failed" and "planted failure" in status["beta"].error
    html = (project["reports"] / "alpha" / "probe.html").read_text()
    assert "Alpha Corp" in html and "Beta Ltd" not in html
    assert json.loads((project["reports"] / "alpha" / "probe.status.json").read_text())
    again = {o.client_id: o.status for o in run(project, jobs=2, cluster="local").outcomes}
    assert again["alpha"] == "skipped" and again["beta"] == "failed"


def test_unknown_parameter_is_a_config_error_not_a_warning(project):
    config = yaml.safe_load((project["clients"] / "alpha" / "client.yml").read_text())
    config["studies"]["probe"]["parameters"] = {"slep": 1}
    (project["clients"] / "alpha" / "client.yml").write_text(yaml.safe_dump(config))
    result = run(project)
    status = {o.client_id: o for o in result.outcomes}
    assert (
        status["alpha"].status == "config-error" and "did you mean 'sleep'" in status["alpha"].error
    )
    assert status["beta"].status == "ok" and result.exit_code == 1


def test_names_and_parameters_are_escaped_and_reach_the_notebook_unchanged(project):
    tricky = 'He said "hi"; it\'s\nline two \\" """ {x} <b>bold</b>'
    add_client(
        project["clients"], "delta", "<script>alert('x')</script> & Co", parameters={"text": tricky}
    )
    result = run(project, clients=["delta"])
    assert [o.status for o in result.outcomes] == ["ok"], result.outcomes
    records = json.loads((project["reports"] / "delta" / "results.json").read_text())
    assert {r["name"]: r["label"] for r in records}["text"] == tricky
    for page in (project["reports"] / "delta" / "probe.html", project["reports"] / "index.html"):
        html = page.read_text()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in (project["reports"] / "delta" / "probe.html").read_text()


def test_a_warm_kernel_leaks_nothing_from_one_client_to_the_next(project):
    result = run(project, jobs=1)  # alpha then beta on the same kernel
    assert [o.client_id for o in result.outcomes] == ["alpha", "beta"]
    beta_records = {
        r["name"]: r["estimate"]
        for r in json.loads((project["reports"] / "beta" / "results.json").read_text())
    }
    assert beta_records["leaked"] == 0
    for name in ("probe.html", "probe.ipynb", "results.json"):
        text = (project["reports"] / "beta" / name).read_text()
        assert "Alpha Corp" not in text and "alpha-row" not in text and '"alpha"' not in text
    nb = nbformat.read(project["reports"] / "beta" / "probe.ipynb", as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert counts[0] == 1


def test_parallel_workers_render_every_client(project):
    add_client(project["clients"], "gamma", "Gamma plc")
    result = run(project, jobs=2)
    assert sorted((o.client_id, o.status) for o in result.outcomes) == [
        ("alpha", "ok"),
        ("beta", "ok"),
        ("gamma", "ok"),
    ]


def test_export_failure_leaves_the_good_report_in_place(project, monkeypatch):
    run(project)
    good = (project["reports"] / "alpha" / "probe.html").read_text()

    def broken_export(nb, context):
        raise RuntimeError("template exploded")

    monkeypatch.setattr("analysis.render.export.export_html", broken_export)
    result = run(project, force=True, clients=["alpha"])
    assert result.outcomes[0].status == "failed" and "template exploded" in result.outcomes[0].error
    assert (project["reports"] / "alpha" / "probe.html").read_text() == good
    assert (project["reports"] / "alpha" / "probe.failed.ipynb").exists()


def test_bad_selection_raises_a_clear_error(project):
    from analysis.clients.discovery import ClientConfigError

    with pytest.raises(ClientConfigError, match="not a safe id"):
        run(project, clients=["../x"])
    with pytest.raises(ClientConfigError, match="no client 'zeta'"):
        run(project, clients=["zeta"])
    with pytest.raises(ValueError, match="--jobs"):
        run(project, jobs=0)


SECRET = "s3cr3t-value-4711"
RENDERED = ["acme-learning", "borealis-pharma", "cobalt-software", "delta-logistics"]


@pytest.fixture(scope="module")
def rendered_examples(tmp_path_factory):
    """The example clients rendered once (with a secret in the environment) for the tests below."""
    import shutil

    from analysis.core import paths

    root = tmp_path_factory.mktemp("examples")
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks")
    shutil.copytree(paths.CLIENTS_DIR, root / "clients")
    project = {
        "root": root,
        "notebooks": root / "notebooks",
        "clients": root / "clients",
        "reports": root / "reports",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_TEST_SECRET", SECRET)
        result = run(project, clients=RENDERED, jobs=2)
    return project, result


def test_shipped_study_renders_for_two_example_clients(rendered_examples):
    example_project, result = rendered_examples
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    done = {(o.client_id, o.study) for o in result.outcomes}
    studies = ("org_effectiveness", "training_impact", "readiness_alignment")
    assert {(c, s) for c in RENDERED[:2] for s in studies} <= done
    shown = [(c, s) for c in ("acme-learning", "borealis-pharma") for s in studies]
    for client, study in [*shown, ("acme-learning", "evaluation_plan")]:
        html = (example_project["reports"] / client / f"{study}.html").read_text()
        body = html[html.index("<body") :]
        assert (
            "import pandas" not in body
            and "jp-InputArea-editor" not in body
            and "Traceback" not in body
        )
        assert html.count("data:image/png;base64,") >= (1 if study == "evaluation_plan" else 2)
        check_snapshot(f"{client}.{study}", html)
        for record in json.loads(
            (example_project["reports"] / client / f"{study}.results.json").read_text()
        ):
            if record["unit"] == "text":
                assert html_text(record["text"]) in html_text(html)
                continue
            assert format_value(record["estimate"], record["unit"]) in html
    index = (example_project["reports"] / "index.html").read_text()
    assert "Acme Learning Partners" in index and "Borealis Pharma" in index
    # the rendered study reproduces the published 2012 figures on the shipped survey
    acme = {
        r["name"]: r
        for r in json.loads(
            (example_project["reports"] / "acme-learning" / "results.json").read_text()
        )
    }
    assert acme["respondents"]["estimate"] == 174 and acme["industries"]["estimate"] == 23
    for name, published, tolerance in (
        ("share_effective_or_better", 0.74, 0.03),
        ("share_very_effective", 0.26, 0.03),
        ("share_value_proposition", 0.26, 0.03),
        ("customized_risk_ratio", 2.0, None),
    ):
        record = acme[name]
        assert record["conf_low"] <= published <= record["conf_high"], name
        if tolerance is not None:
            assert abs(record["estimate"] - published) <= tolerance, name


def test_reports_are_lean_standalone_and_print_cleanly(rendered_examples):
    example_project, _ = rendered_examples
    pages = sorted(example_project["reports"].glob("*/*.html"))
    with_three_plots = 0
    for page in pages:
        html = page.read_text()
        head = html[: html.index("<body")]
        css = sum(
            len(block) for block in re.findall(r"<style[^>]*>(.*?)</style>", head, flags=re.DOTALL)
        )
        assert css < 40_000, (page.name, css)  # JupyterLab's 265 KB stylesheet is not shipped
        assert "@media print" in head and "break-inside: avoid" in head
        if html.count("data:image/png") == 3:
            with_three_plots += 1
            assert len(html.encode()) < 250_000, (page, len(html.encode()))
    assert with_three_plots >= 3


def test_an_underpowered_pilot_says_the_data_cannot_tell(rendered_examples):
    """delta-logistics: a pilot whose ROI interval spans break-even, and whose summary says so."""
    example_project, _ = rendered_examples
    folder = example_project["reports"] / "delta-logistics"
    records = {
        r["name"]: r for r in json.loads((folder / "training_impact.results.json").read_text())
    }
    roi = records["roi_percent"]
    assert roi["conf_low"] < 0 < roi["conf_high"]
    page = (folder / "training_impact.html").read_text()
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.DOTALL)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    start = text.index("Summary")
    summary = text[start : text.index("Contents", start)]
    assert "The data cannot tell whether training changed revenue" in summary
    assert "nor can it tell yet whether it paid for itself" in summary
    assert "a longer or larger evaluation is needed" in summary
    for overclaim in ("has not paid", "has paid", "paid back", "Training raised revenue"):
        assert overclaim not in summary


def test_example_reports_show_no_caveats_and_nothing_on_stderr(rendered_examples):
    """Warnings mean something: the example data raise none, and none reaches stderr."""
    example_project, _ = rendered_examples
    notebooks = sorted(example_project["reports"].glob("*/*.ipynb"))
    assert len(notebooks) >= 9
    for notebook in notebooks:
        cells = json.loads(notebook.read_text())["cells"]
        outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
        stderr = ["".join(o["text"]) for o in outputs if o.get("name") == "stderr"]
        assert not stderr, (notebook.name, stderr)
        assert "Caveat:" not in notebook.read_text(), notebook


def test_training_impact_runs_on_a_plain_cross_section(rendered_examples):
    example_project, result = rendered_examples
    assert any(
        (o.client_id, o.study, o.status) == ("cobalt-software", "training_impact", "ok")
        for o in result.outcomes
    ), result.outcomes
    html = (example_project["reports"] / "cobalt-software" / "training_impact.html").read_text()
    assert "Regression adjusted" in html and "Effects over time need a rep-period panel" in html
    records = {
        r["name"]: r
        for r in json.loads(
            (example_project["reports"] / "cobalt-software" / "results.json").read_text()
        )
        if r["study"] == "training_impact"
    }
    assert {"effect", "naive_difference", "roi_percent", "bcr"} <= set(records)
    assert records["naive_difference"]["card"] is False  # recorded, never a headline


def test_a_new_instrument_yaml_renders_without_code_changes(example_project, tmp_path):
    folder = example_project["clients"] / "echo-co"
    instruments = folder / "instruments"  # a client's own instruments live in its folder
    instruments.mkdir(parents=True)
    (instruments / "coaching_culture.yml").write_text(
        yaml.safe_dump(
            {
                "id": "coaching_culture",
                "title": "Coaching culture check",
                "type": "true_false",
                "source": "test",
                "items": [
                    {"id": f"c{i}", "text": f"Coaching statement number {i} about weekly rides"}
                    for i in range(1, 5)
                ],
                "scoring": {
                    "method": "count",
                    "count_value": False,
                    "label": "statements answered false",
                    "bands": [
                        {"label": "Coaching gap", "min": 3},
                        {"label": "Coaching habit", "max": 2},
                    ],
                },
            }
        )
    )
    rows = [
        {"respondent_id": f"e{r}", **{f"c{i}": (r + i) % 3 != 0 for i in range(1, 5)}}
        for r in range(9)
    ]
    pd.DataFrame(rows).to_csv(folder / "coaching.csv", index=False)
    (folder / "client.yml").write_text(
        yaml.safe_dump(
            {
                "display_name": "Echo Co",
                "studies": {
                    "readiness_alignment": {
                        "data": {"responses": {"coaching_culture": "coaching.csv"}},
                        "parameters": {"instruments_dir": "instruments"},
                    }
                },
            }
        )
    )
    result = run(example_project, clients=["echo-co"])
    assert [o.status for o in result.outcomes] == ["ok"], result.outcomes
    html = (example_project["reports"] / "echo-co" / "readiness_alignment.html").read_text()
    assert (
        "Coaching culture check" in html
        and "Coaching statement number 3 about weekly rides" in html
    )
    assert "Coaching gap" in html
    names = {
        r["name"]
        for r in json.loads((example_project["reports"] / "echo-co" / "results.json").read_text())
    }
    assert "coaching_culture_mean_score" in names


def test_reports_show_no_other_clients_data_and_benchmarks_need_three_others(
    rendered_examples, example_project
):
    rendered, result = rendered_examples  # every example client, readiness included
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    clients = {
        p.name: yaml.safe_load((p / "client.yml").read_text())["display_name"]
        for p in rendered["clients"].iterdir()
        if (p / "client.yml").exists()
    }
    assert set(clients) == set(RENDERED)
    for client in clients:
        for name in ("readiness_alignment.html", "readiness_alignment.ipynb", "results.json"):
            text = (rendered["reports"] / client / name).read_text()
            for other, display in clients.items():
                if other != client:
                    assert other not in text and display not in text, (client, name, other)
    html = (rendered["reports"] / "acme-learning" / "readiness_alignment.html").read_text()
    assert "Other clients" in html
    # with one client fewer, every client has only two others: benchmarks are suppressed
    import shutil

    shutil.rmtree(example_project["clients"] / "delta-logistics")
    run(example_project, clients=["acme-learning"], studies=["readiness_alignment"])
    table = (example_project["reports"] / "acme-learning" / "readiness_alignment.html").read_text()
    benchmark_table = table[table.index("Other clients") :]
    benchmark_table = benchmark_table[: benchmark_table.index("</table>")]
    assert benchmark_table.count("suppressed") >= 10


def test_bad_client_data_fails_the_report_with_one_clear_message(example_project):
    survey = example_project["clients"] / "cobalt-software" / "survey.csv"
    survey.write_text(survey.read_text().replace("very effective", "very efective", 1))
    result = run(example_project, clients=["cobalt-software"], studies=["org_effectiveness"])
    outcome = result.outcomes[0]
    assert (
        outcome.status == "failed"
        and "InputError" in outcome.error
        and "Did you mean 'very effective'" in outcome.error
    )
    failed = nbformat.read(
        example_project["reports"] / "cobalt-software" / "org_effectiveness.failed.ipynb",
        as_version=4,
    )
    outputs = [o for c in failed.cells for o in c.get("outputs", [])]
    # one error output that holds the message alone (papermill and JupyterLab show it)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "InputError"
    assert len(errors[0]["traceback"]) == 1
    assert "the input data need fixing" in errors[0]["traceback"][0]
    texts = [o.get("text", "") for o in outputs if o.get("output_type") == "stream"]
    assert not any("Traceback" in t for t in [*texts, *errors[0]["traceback"]])


def test_no_client_sees_another_clients_values_or_the_environment(rendered_examples):
    example_project, result = rendered_examples
    chosen = RENDERED
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes

    def values(client):
        found = set()
        for path in (example_project["clients"] / client).glob("*.csv"):
            frame = pd.read_csv(path, dtype=str)
            for column in frame.columns:
                found |= {
                    v
                    for v in frame[column].dropna()
                    if len(v) >= 8 and not v.replace(".", "").isdigit()
                }
        return found

    own = {client: values(client) for client in chosen}
    names = {
        c: yaml.safe_load((example_project["clients"] / c / "client.yml").read_text())[
            "display_name"
        ]
        for c in chosen
    }
    for client in chosen:
        outputs = [
            p.read_text()
            for p in (example_project["reports"] / client).iterdir()
            if p.suffix in (".html", ".ipynb") or p.name.endswith("results.json")
        ]
        for other in chosen:
            if other == client:
                continue
            foreign = own[other] - set().union(
                *(own[c] for c in chosen if c != other)
            )  # only the other client has these
            for text in outputs:
                assert other not in text and names[other] not in text
                # a word of the client's own name ("Logistics") is not another client's value
                leaked = [v for v in foreign if v in text and v not in names[client]]
                assert leaked == [], (client, other, leaked[:5])
        for text in outputs:
            assert SECRET not in text


def html_text(html: str) -> str:
    """The visible text of a page (or of a sentence), spaces normalised, entities decoded."""
    import html as markup

    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def body_and_appendix(html: str) -> tuple[str, str]:
    """A report's text before its "Methods and checks" appendix, and from it on."""
    start = html.index("<body")
    cut = html.index('id="Methods-and-checks"')
    return html_text(html[start:cut]), html_text(html[cut:])


#: What a client's body must not show: parameter and column names, file names, Python
#: values, hashes; and the statistical terms that belong to the appendix.
NOT_IN_BODY = [
    r"\b(True|False|None)\b",
    r"\[\]",
    r"\b[a-z]+_[a-z_]+\b",  # parameter and column names (outcome_label, call_score, ...)
    r"\b[\w-]+\.(csv|xlsx|parquet|ya?ml|json)\b",
    r"\b[0-9a-f]{40,}\b",
    r"p-value|Holm|Wald|F statistic|Hedges|Cram[ée]r|r_wg|Krippendorff|odds ratio",
    r"[Tt]wo-way fixed effects|[Ii]mputation|[Nn]aive",
]


#: The studies whose reports answer first (tests/test_report_first.py holds their notebooks thin).
ANSWER_FIRST = ("training_impact", "org_effectiveness", "evaluation_plan", "readiness_alignment")


def rendered_reports(example_project):
    """(client, study, page) for every answer-first report the examples rendered."""
    for client in RENDERED:
        for study in ANSWER_FIRST:
            path = example_project["reports"] / client / f"{study}.html"
            if path.is_file():
                yield client, study, path.read_text()


def test_the_body_speaks_plain_language_and_the_appendix_holds_the_statistics(rendered_examples):
    import nbformat as nbf

    from analysis.core import paths

    example_project, _ = rendered_examples
    seen = set()
    for client, study, page in rendered_reports(example_project):
        seen.add(study)
        title = nbf.read(paths.NOTEBOOKS_DIR / f"{study}.ipynb", as_version=4).metadata[
            "workbench"
        ]["title"]
        assert re.search(rf"<title>{re.escape(title)} · [^<]+</title>", page), (client, study)
        assert page.count("<title>") == 1
        body, appendix = body_and_appendix(page)
        for pattern in NOT_IN_BODY:
            found = re.findall(pattern, body)
            assert not found, (client, study, pattern, found[:5])
        assert "Glossary" in appendix, (client, study)
        if study != "evaluation_plan":  # a plan before rollout has no tests to report
            assert "p-value" in appendix, (client, study)
    assert seen == set(ANSWER_FIRST)


def test_the_first_screen_answers_and_the_body_and_index_repeat_its_figures(rendered_examples):
    """Each report opens with one sentence answering its question; every headline figure
    (a card) appears in the body as the card writes it, and the index shows the sentence."""
    from analysis.report.display import card_values

    example_project, _ = rendered_examples
    index = html_text((example_project["reports"] / "index.html").read_text())
    for client, study, page in rendered_reports(example_project):
        records = json.loads(
            (example_project["reports"] / client / f"{study}.results.json").read_text()
        )
        body, _ = body_and_appendix(page)
        answer = next(r for r in records if r["name"] == "answer")
        assert page.index('class="wb-answer"') < page.index('class="wb-toc"'), (client, study)
        assert answer["text"] in body and answer["text"] in index, (client, study)
        assert 1 <= len(answer["findings"]) <= 5, (client, study, answer["findings"])
        for record in records:
            if record["name"] == "answer" or record.get("card") is False:
                continue
            shown, interval = card_values(record)
            assert shown in body, (client, study, record["name"], shown)
            bounds = interval.partition(" range ")[2]
            assert bounds in body, (client, study, record["name"], bounds)


def test_one_estimate_per_outcome_and_the_naive_figure_only_in_the_appendix(rendered_examples):
    from analysis.report.display import card_values

    example_project, _ = rendered_examples
    for client in RENDERED:
        folder = example_project["reports"] / client
        records = {
            r["name"]: r for r in json.loads((folder / "training_impact.results.json").read_text())
        }
        body, appendix = body_and_appendix((folder / "training_impact.html").read_text())
        effect, _ = card_values(records["effect"])
        naive, _ = card_values(records["naive_difference"])
        assert effect in body and naive not in body and naive in appendix, client
        assert records["answer"]["text"] in body
        assert body.count(effect) >= 2, client  # the first screen and the results section agree
    index = html_text((example_project["reports"] / "index.html").read_text())
    assert records["answer"]["text"] in index and "ROI" in index
    assert naive not in index


def test_every_money_figure_carries_the_clients_currency(example_project):
    """A client that names its currency (here in the outcome's label) sees it on every amount."""
    folder = example_project["clients"] / "acme-learning"
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    parameters = config["studies"]["training_impact"]["parameters"]
    parameters.pop("currency")  # the label alone names it
    parameters["outcome_label"] = "Revenue, EUR"
    (folder / "client.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run(example_project, clients=["acme-learning"], studies=["training_impact"])
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    page = (example_project["reports"] / "acme-learning" / "training_impact.html").read_text()
    body, _ = body_and_appendix(page)
    amounts = re.findall(r"(\S*\s?)([\u2212+]?\d{1,3}(?:,\d{3})+)(?![\d,])", body)
    assert amounts
    bare = [
        (before, amount) for before, amount in amounts if not re.search(r"(EUR\s?|to\s?)$", before)
    ]
    assert not bare, bare[:10]
    records = json.loads(
        (example_project["reports"] / "acme-learning" / "training_impact.results.json").read_text()
    )
    assert {r["currency"] for r in records if r["unit"] == "currency"} == {"EUR"}


#: The example clients' money as their client.yml states it: (currency, symbol or None,
#: the costs' own currency).
EXAMPLE_MONEY = {
    "acme-learning": ("USD", None, ()),
    "borealis-pharma": ("EUR", "€", ()),
    "cobalt-software": ("GBP", None, ()),
    "delta-logistics": ("USD", None, ("EUR",)),
}


def test_money_has_its_currency_everywhere_in_the_example_reports(rendered_examples):
    """Every example training report: no amount without its currency in the text, the
    cards, the tables (appendix included) or the index, in the client's style; results.json
    records the units, and the appendix states the rate of costs paid in another currency."""
    from analysis.report.display import card_values

    example_project, _ = rendered_examples
    reports = example_project["reports"]
    index = html_text((reports / "index.html").read_text())
    for client, (currency, symbol, also) in EXAMPLE_MONEY.items():
        page = (reports / client / "training_impact.html").read_text()
        assert not bare_amounts(page, currency, symbol, also), (
            client,
            bare_amounts(page, currency, symbol, also)[:5],
        )
        text = html_text(page)
        marker = symbol or f"{currency} "
        records = {
            r["name"]: r
            for r in json.loads((reports / client / "training_impact.results.json").read_text())
        }
        money = [r for r in records.values() if r["unit"] == "currency"]
        assert {r["name"] for r in money} >= {"effect", "naive_difference"}, client
        for record in money:
            assert record["currency"] == currency, (client, record)
            shown, interval = card_values(record)
            assert marker in shown and marker in interval, (client, shown, interval)
        effect, _ = card_values(records["effect"])
        assert effect in text and effect in index, (client, effect)
        assert f"{marker}" in records["answer"]["text"]
        units = records["units"]
        assert (units["currency"], units["currency_style"]) == (
            currency,
            "symbol" if symbol else "code",
        )
        assert units["text"] in text and units["period"] in ("month", None)
        if symbol:  # the client's style throughout: never the code before a figure
            assert not re.search(rf"{currency} [\u2212+]?\d", text), client
    delta = html_text((reports / "delta-logistics" / "training_impact.html").read_text())
    assert "converted at the stated rate of 1.08 USD per 1 EUR" in delta


@pytest.mark.browser
def test_the_pdf_has_page_numbers_a_running_header_and_no_near_empty_page(rendered_examples):
    """Printed: "Page n of N" and the report and client on every page; no page less than a
    fifth filled except the last of the body and the last of the appendix."""
    from analysis.render.pdf import pdf_unavailable, write_pdfs

    if pdf_unavailable():
        pytest.skip(pdf_unavailable())
    import pypdfium2 as pdfium

    example_project, _ = rendered_examples
    html = example_project["reports"] / "acme-learning" / "training_impact.html"
    assert not write_pdfs([html])
    document = pdfium.PdfDocument(html.with_suffix(".pdf"))
    pages = [document[i] for i in range(len(document))]
    texts = [" ".join(page.get_textpage().get_text_range().split()) for page in pages]
    assert len(pages) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Did the training pay? · Acme Learning Partners" in text
    fills = [page_fill(page) for page in pages]
    appendix = next(i for i, text in enumerate(texts) if "How the effect was estimated" in text)
    assert "Methods and checks" in texts[appendix]  # the appendix starts its own page
    allowed = {appendix - 1, len(pages) - 1}  # the last page of the body, the last of the appendix
    thin = [i + 1 for i, fill in enumerate(fills) if fill < 0.2 and i not in allowed]
    assert not thin, (thin, fills)


def page_fill(page) -> float:
    """How far down a page's text area (between header and footer) its content reaches."""
    import numpy as np

    pixels = np.asarray(page.render(scale=0.6).to_pil().convert("L"))
    top, bottom = int(len(pixels) * 18 / 297), int(len(pixels) * (1 - 16 / 297))
    inked = np.where((pixels[top:bottom] < 235).sum(axis=1) > 0)[0]
    return 0.0 if not len(inked) else float(inked.max() + 1) / (bottom - top)
