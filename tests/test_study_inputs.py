"""Typed study inputs: one declaration, strict client.yml, confinement to the client's folder."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from analysis.clients.config import load_client
from analysis.clients.parameter_docs import parameters_cell, scaffold_lines
from analysis.clients.parameters import STUDIES, file_fields, kind
from analysis.core import paths
from analysis.core.errors import ConfigError, InputError
from analysis.studies import load_study
from analysis.studies.validate import validate_client
from conftest import copy_example_client

# ----------------------------------------------------------------- one declaration


@pytest.mark.parametrize("study", list(STUDIES))
def test_the_notebook_parameters_cell_is_written_from_the_model(study):
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{study}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert cell.source == parameters_cell(study), (
        "run `python -m analysis.clients.parameters` to rewrite it"
    )
    namespace: dict = {}
    exec(cell.source, namespace)  # noqa: S102 - our own generated cell
    assert set(STUDIES[study].model_fields) | {"client_id"} <= set(namespace)


@pytest.mark.parametrize("study", list(STUDIES))
def test_new_client_and_data_readme_document_every_parameter(study):
    readme = (paths.DATA_DIR / "README.md").read_text()
    block = readme[
        readme.index(f"<!-- schema:parameters-{study} -->") : readme.index(
            f"<!-- /schema:parameters-{study} -->"
        )
    ]
    lines = scaffold_lines(study)
    for name in STUDIES[study].model_fields:
        assert f"`{name}`" in block
        assert f" {name}:" in lines


@pytest.mark.parametrize(
    "values,message",
    [
        ({"conf_level": "0.95"}, "conf_level must be a number, not '0.95'; e.g. conf_level: 0.95"),
        ({"conf_level": 95}, "conf_level is a share between 0 and 1: did you mean 0.95?"),
        ({"margin": 35}, "margin is a share between 0 and 1: did you mean 0.35?"),
        ({"margin": float("nan")}, "margin must be a finite number"),
        ({"event_window": 6}, "event_window must be a list, not 6; e.g. event_window: [-4, 6]"),
        ({"event_window": [2, 6]}, "event_window must be two whole numbers"),
        (
            {"segment": ["team", "tenure_band"]},
            "segment must be a text, not ['team', 'tenure_band']",
        ),
        ({"covariate": ["x"]}, "unknown parameter 'covariate' (did you mean 'covariates'?)"),
        ({"min_cell_size": 0}, "min_cell_size must be a number of at least 1"),
        ({"conservative_roi": "yes"}, "conservative_roi must be true or false"),
    ],
)
def test_a_wrong_parameter_names_the_key_the_type_and_an_example(values, message):
    from analysis.clients.parameters import check_parameters

    with pytest.raises(ConfigError) as error:
        check_parameters("training_impact", values, "client.yml: studies.training_impact")
    assert message in str(error.value)


# ----------------------------------------------------------------- strict client.yml


def _client(tmp_path: Path, text: str | bytes, name: str = "gamma") -> Path:
    folder = tmp_path / "clients" / name
    folder.mkdir(parents=True)
    (folder / "survey.csv").write_bytes(
        (paths.CLIENTS_DIR / "acme-learning" / "survey.csv").read_bytes()
    )
    (folder / "client.yml").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


STRICT = [
    (
        "display_name: Gamma\ndisplay_name: Borealis Pharma\nstudies: {org_effectiveness: {}}\n",
        "key 'display_name' is given twice (lines 1 and 2)",
    ),
    (
        "display_name: Gamma\nstudies:\n  org_effectiveness:\n    parameters:\n      conf_level: 0.95\n      conf_level: 0.5\n",
        "key 'conf_level' is given twice (lines 5 and 6)",
    ),
    (
        "display_name: &a Gamma\nstudies: {org_effectiveness: {parameters: {highlight: *a}}}\n",
        "anchors and aliases",
    ),
    (
        (
            'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
            "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
        ),
        "anchors and aliases",
    ),
    (
        b"display_name: Gamma\nnotes: '" + b"x" * 10_000_000 + b"'\n",
        "a client.yml is at most 262,144 bytes",
    ),
    ("display_name: [unclosed\n", "is not valid YAML (line 2"),
    (b"display_name: Caf\xe9\n", "is not UTF-8 text"),
]


@pytest.mark.parametrize(
    "text,message",
    STRICT,
    ids=[
        "duplicate-top",
        "duplicate-nested",
        "alias",
        "billion-laughs",
        "10-MB",
        "bad-yaml",
        "latin-1",
    ],
)
def test_client_yml_is_read_strictly_with_one_clear_error(tmp_path, text, message, capsys):

    folder = _client(tmp_path, text)
    with pytest.raises(ConfigError, match=None) as error:
        load_client(folder)
    assert message in str(error.value) and "data/clients/gamma/client.yml" in str(error.value)
    problems = validate_client("gamma", clients_dir=folder.parent)
    assert [p.level for p in problems] == ["error"] and message in problems[0].message


# ----------------------------------------------------------------- confinement to the client's folder

OUTSIDE_MARKER = "outside-file-marker-5821"


def _escapes(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    outside = tmp_path / "other-client"
    outside.mkdir()
    secret = outside / "survey.csv"
    secret.write_text(f"respondent_id,industry\n{OUTSIDE_MARKER},x\n")
    return secret, {
        "dot-dot": "../other-client/survey.csv",
        "absolute": str(secret),
        "symlink": "link.csv",
    }


def _cases():
    for study, model in STUDIES.items():
        for name in file_fields(model):
            for section in ("data", "parameters"):
                for escape in ("dot-dot", "absolute", "symlink"):
                    yield study, name, section, escape


@pytest.mark.parametrize("study,name,section,escape", list(_cases()), ids=lambda v: str(v))
def test_no_file_parameter_reads_outside_the_client_folder(tmp_path, study, name, section, escape):
    secret, escapes = _escapes(tmp_path)
    folder = tmp_path / "clients" / "gamma"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to(secret)
    (folder / "link-dir").symlink_to(secret.parent, target_is_directory=True)
    value = escapes[escape]
    if kind(STUDIES[study], name) == "folder":
        value = {
            "dot-dot": "../other-client",
            "absolute": str(secret.parent),
            "symlink": "link-dir",
        }[escape]
    elif kind(STUDIES[study], name) == "files":
        value = {"strategic_readiness": value}
    (folder / "client.yml").write_text(
        yaml.safe_dump({"display_name": "Gamma", "studies": {study: {section: {name: value}}}})
    )
    opened: list[str] = []
    watched = str(secret.parent.resolve())

    def hook(event, args):
        if (
            event == "open"
            and args
            and isinstance(args[0], (str, bytes, Path))
            and watched in str(Path(str(args[0])).resolve())
        ):
            opened.append(str(args[0]))

    _HOOKS.append(hook)
    try:
        problems = validate_client("gamma", clients_dir=folder.parent)
        with pytest.raises(InputError) as error:
            _with_clients(folder.parent, lambda: load_study(study, "gamma"))
        during = list(opened)
        secret.read_text()  # the hook itself sees an open of the outside file
        assert opened != during
    finally:
        _HOOKS.remove(hook)
    opened = during
    errors = [p.message for p in problems if p.level == "error"]
    assert any(
        name in m and ("outside" in m or "absolute" in m or "leaves the client's folder" in m)
        for m in errors
    ), errors
    assert any(name in m for m in error.value.problems)
    assert opened == [], opened
    assert OUTSIDE_MARKER not in str(error.value) and all(OUTSIDE_MARKER not in m for m in errors)


_HOOKS: list = []


def _dispatch(event, args):
    for hook in _HOOKS:
        hook(event, args)


sys.addaudithook(_dispatch)


def _with_clients(clients_dir: Path, call):
    original = paths.CLIENTS_DIR
    paths.CLIENTS_DIR = clients_dir
    try:
        return call()
    finally:
        paths.CLIENTS_DIR = original


# ----------------------------------------------------------------- JupyterLab: client_id alone, README-style paths


def test_client_id_alone_loads_that_clients_files_and_parameters():
    inputs = load_study(
        "org_effectiveness", {"client_id": "borealis-pharma", "conf_level": 0.95, "highlight": None}
    )
    assert inputs.client_name == "Borealis Pharma" and inputs.params.highlight == "R0007"
    assert len(inputs.tables["responses"]) == 120
    example = load_study("org_effectiveness", {"client_id": None})
    assert example.client_id == "acme-learning" and len(example.tables["responses"]) == 174


def test_an_explicit_parameter_overrides_client_yml_and_project_paths_resolve():
    inputs = load_study(
        "training_impact",
        {
            "client_id": "borealis-pharma",
            "conf_level": 0.9,
            "panel_path": "data/clients/borealis-pharma/panel.csv",
        },
    )
    assert inputs.params.conf_level == 0.9 and inputs.files["panel_path"].name == "panel.csv"
    assert inputs.runs("reaction"), (
        "every file the client configured is used, not only the ones set in the cell"
    )
    with pytest.raises(
        InputError,
        match=r"file 'data/clients/acme-learning/panel.csv' not found in data/clients/borealis-pharma",
    ):
        load_study(
            "training_impact",
            {"client_id": "borealis-pharma", "panel_path": "data/clients/acme-learning/panel.csv"},
        )


def test_an_unknown_client_names_the_folder_searched():
    with pytest.raises(
        ConfigError, match=r"no client 'borealis-pharm'.*Did you mean 'borealis-pharma'"
    ):
        load_study("org_effectiveness", "borealis-pharm")


def test_sections_left_out_say_why(tmp_path):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["training_impact"]["data"].pop("reactions_path")
    config["studies"]["training_impact"]["parameters"].pop("behaviour")
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    assert "No reaction survey was provided" in inputs.note("reaction")
    assert "No behaviour measure was named" in inputs.note("behaviour") and not inputs.runs("chain")
    assert inputs.runs("roi") and inputs.runs("learning")


@pytest.mark.render
def test_a_notebook_run_with_only_client_id_shows_that_clients_numbers(tmp_path):
    """As in JupyterLab: set client_id in the parameters cell, run every cell."""
    import papermill

    from analysis.render.batch import extract_records

    nb = papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "org_effectiveness.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"client_id": "borealis-pharma"},
        kernel_name=paths.KERNEL_NAME,
        cwd=str(paths.NOTEBOOKS_DIR),
        progress_bar=False,
    )
    records = {r["name"]: r["estimate"] for r in extract_records(nb)}
    borealis = load_study("org_effectiveness", "borealis-pharma").tables["responses"]
    assert records["respondents"] == len(borealis) == 120
    text = nbformat.writes(nb)
    assert (
        "Organisation R0007 next to all respondents" in text
    )  # Borealis's own highlight parameter


# ----------------------------------------------------------------- found by a hostile new user


def _readiness_client(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "clients" / "gamma"
    shutil.copytree(paths.CLIENTS_DIR / "borealis-pharma", folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    return folder, config


def test_an_instrument_file_linked_out_of_the_client_folder_is_never_opened(tmp_path):
    folder, config = _readiness_client(tmp_path)
    secret = tmp_path / "other-client" / "secret.yml"
    secret.parent.mkdir()
    secret.write_text(
        f"id: secret\ntitle: {OUTSIDE_MARKER}\ntype: checklist\nitems: [{{id: a, text: b}}]\n"
    )
    (folder / "instr").mkdir()
    (folder / "instr" / "x.yml").symlink_to(secret)
    config["studies"]["readiness_alignment"]["data"]["instruments_dir"] = "instr"
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    opened: list[str] = []

    def hook(event, args):
        if event == "open" and args and "other-client" in str(args[0]):
            opened.append(str(args[0]))

    _HOOKS.append(hook)
    try:
        with pytest.raises(InputError, match="x.yml: this instrument file in instr/ leads outside"):
            _with_clients(folder.parent, lambda: load_study("readiness_alignment", "gamma"))
        problems = validate_client("gamma", clients_dir=folder.parent)
    finally:
        _HOOKS.remove(hook)
    assert opened == []
    assert any("leads outside" in p.message for p in problems if p.level == "error")


def test_study_3_refuses_fewer_respondents_than_min_cell_size(tmp_path):
    folder, _config = _readiness_client(tmp_path)
    lines = (folder / "readiness.csv").read_text().splitlines()
    (folder / "readiness.csv").write_text("\n".join(lines[:3]) + "\n")  # two respondents
    with pytest.raises(
        InputError,
        match=r"readiness\.csv: 2 respondent\(s\) for instrument strategic_readiness; at least min_cell_size = 5",
    ):
        _with_clients(folder.parent, lambda: load_study("readiness_alignment", "gamma"))


@pytest.mark.parametrize(
    "parameters,message",
    [
        ({"covariates": ["revenue"]}, "column 'revenue' is named as outcome and covariates[0]"),
        (
            {"covariates": ["calls", "calls"]},
            "column 'calls' is named as covariates[0] and covariates[1]",
        ),
        ({"behaviour": "revenue"}, "behaviour 'revenue' is also the outcome"),
    ],
)
def test_one_column_in_two_roles_is_refused_before_rendering(tmp_path, parameters, message):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["training_impact"]["parameters"].update(parameters)
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    with pytest.raises(InputError, match=re.escape(message)):
        _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))


def test_zero_costs_leave_the_roi_out_with_a_reason(tmp_path):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    costs = pd.read_csv(folder / "costs.csv")
    costs.assign(amount=0).to_csv(folder / "costs.csv", index=False)
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    assert not inputs.runs("roi") and "sum to zero" in inputs.note("roi")


def _gamma_with(tmp_path, **parameters):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["training_impact"]["parameters"].update(parameters)
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    return folder


def test_the_units_reach_the_study_inputs_as_typed_fields(tmp_path):
    folder = _gamma_with(tmp_path, currency="EUR")
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    units = inputs.units
    assert (units.outcome, units.outcome_unit, units.currency, units.period) == (
        "revenue",
        "money",
        "EUR",
        "month",
    )
    assert units.per == "per rep and month" and not units.costs_converted


def test_costs_in_another_currency_are_converted_at_the_stated_rate(tmp_path):
    folder = _gamma_with(tmp_path, currency="CAD", costs_currency="USD", exchange_rate=1.365)
    stated = pd.read_csv(folder / "costs.csv")["amount"]
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    costs = inputs.tables["costs"]
    assert inputs.runs("roi") and inputs.units.costs_converted
    assert costs["amount_usd"].tolist() == stated.tolist()
    assert costs["amount"].tolist() == pytest.approx((stated * 1.365).tolist())


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"currency": "CAD", "costs_currency": "USD"},
            (
                "costs.csv: the costs are in USD and the results in CAD; the client has not "
                "given the exchange rate from USD to CAD"
            ),
        ),
        (
            {"currency": None, "costs_currency": "USD"},  # the example states USD: taken out
            "costs.csv: the costs are in USD, but the currency of the results is not stated",
        ),
    ],
)
def test_roi_is_refused_without_a_rate_naming_both_currencies(tmp_path, parameters, message):
    folder = _gamma_with(tmp_path, **parameters)
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    assert not inputs.runs("roi") and message in inputs.note("roi")
    problems = validate_client("gamma", clients_dir=folder.parent)
    assert any(p.level == "note" and message in p.message for p in problems)


def test_a_quarterly_panel_is_named_in_quarters(tmp_path):
    folder = _gamma_with(tmp_path)
    quarter = {f"2025-{m:02d}": f"2025-Q{(m - 1) // 3 + 1}" for m in range(1, 13)}
    panel = pd.read_csv(folder / "panel.csv", dtype={"period": str})
    panel = panel.assign(period=panel["period"].map(quarter))
    quarters = panel.groupby(["rep_id", "period"], as_index=False)
    quarters.agg(revenue=("revenue", "sum"), call_score=("call_score", "mean")).to_csv(
        folder / "panel.csv", index=False
    )
    reps = pd.read_csv(folder / "reps.csv", dtype={"training_start": str})
    reps.assign(training_start=reps["training_start"].map(quarter)).to_csv(
        folder / "reps.csv", index=False
    )
    config = yaml.safe_load((folder / "client.yml").read_text())
    config.pop("plan")  # the example plan's rollout is monthly
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    (folder / "plan.frozen.json").unlink()
    inputs = _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))
    assert inputs.units.period == "quarter" and inputs.units.per == "per rep and quarter"


# ----------------------------------------------------------------- messages a new user can act on

SURVEY_YML = "display_name: Gamma\nstudies:\n  org_effectiveness:\n    data: {{survey_path: {path}}}\n{extra}"


def _survey_problems(tmp_path, path="survey.csv", extra="", change=None) -> list[str]:
    folder = _client(tmp_path, SURVEY_YML.format(path=path, extra=extra))
    if change:
        change(folder)
    return [
        p.message for p in validate_client("gamma", clients_dir=folder.parent) if p.level == "error"
    ]


def _excel(folder: Path) -> None:
    pd.read_csv(folder / "survey.csv").to_excel(folder / "survey.xlsx", index=False)


def _utf16(folder: Path) -> None:
    text = (folder / "survey.csv").read_text(encoding="utf-8")
    (folder / "survey.csv").write_bytes(text.encode("utf-16"))


def _header_twice(folder: Path) -> None:
    lines = (folder / "survey.csv").read_text().splitlines()
    lines[0] = lines[0].replace("solution_type", "effectiveness")
    (folder / "survey.csv").write_text("\n".join(lines) + "\n")


def _highlight_elsewhere(tmp_path) -> tuple[list[str], str, str]:
    survey = pd.read_csv(paths.CLIENTS_DIR / "acme-learning" / "survey.csv")
    segment = survey["industry"].value_counts().index[0]
    other = survey.loc[survey["industry"] != segment, "respondent_id"].iloc[0]
    extra = f"    parameters: {{segment: {segment}, highlight: {other}}}\n"
    return _survey_problems(tmp_path, extra=extra), segment, other


@pytest.mark.parametrize(
    "path,extra,change,message",
    [
        (
            ".",
            "",
            None,
            "survey_path: '.' is a folder; name the file in it, e.g. survey_path: survey.csv.",
        ),
        (
            "survey.csv",
            "    paramters: {conf_level: 0.9}\n",
            None,
            "(found 'paramters'). 'paramters': did you mean 'parameters'?",
        ),
        (
            "survey.xlsx",
            "",
            _excel,
            (
                "survey.xlsx: this is an Excel workbook (.xlsx) or another zip archive, not a CSV text "
                "file. Import it with a codebook"
            ),
        ),
        (
            "survey.csv",
            "",
            _header_twice,
            (
                "survey.csv: line 1 (the header) names a column twice: 'effectiveness' in column 4 and "
                "'effectiveness' in column 5 (names are compared ignoring case)."
            ),
        ),
    ],
    ids=["folder-as-file", "misspelt-section", "workbook-as-csv", "header-twice"],
)
def test_a_confusing_input_gets_a_message_that_names_the_fix(
    tmp_path, path, extra, change, message
):
    errors = _survey_problems(tmp_path, path, extra, change)
    assert len(errors) == 1 and message in errors[0], errors
    assert not any(ord(c) > 0x2FF for c in errors[0])  # no binary junk echoed from the file


def test_a_utf16_export_is_read_like_utf8(tmp_path):
    assert _survey_problems(tmp_path, change=_utf16) == []


def test_a_highlight_outside_the_segment_says_so(tmp_path):
    errors, segment, other = _highlight_elsewhere(tmp_path)
    assert len(errors) == 1, errors
    assert f"highlight '{other}' is in industry" in errors[0]
    assert f"outside segment '{segment}'" in errors[0] and "is not a respondent_id" not in errors[0]


@pytest.mark.parametrize("command", ["validate", "import"])
def test_an_unknown_client_is_a_usage_error_for_every_command(command, capsys):
    from analysis import cli

    assert cli.main([command, "no-such-client"]) == 2
    assert cli.main(["render", "--client", "no-such-client", "--no-progress"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors[0].startswith("workbench: error: no client 'no-such-client' in data/clients/")
    assert errors[0].split("; known")[0] == errors[1].split("; known")[0]


def _with_treatment(tmp_path, switch_off: bool):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    panel = pd.read_csv(folder / "panel.csv")
    reps = pd.read_csv(folder / "reps.csv").set_index("rep_id")["training_start"]
    start = panel["rep_id"].map(reps)
    certified = (start.notna() & (panel["period"] >= start)).astype(int)
    if switch_off:  # the last period of every trained rep switches off again
        last = panel["period"] == panel["period"].max()
        certified[last & start.notna()] = 0
    panel.assign(certified=certified).to_csv(folder / "panel.csv", index=False)
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["training_impact"]["parameters"]["treatment"] = "certified"
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    return lambda: _with_clients(folder.parent, lambda: load_study("training_impact", "gamma"))


def test_a_treatment_column_must_follow_training_start(tmp_path):
    assert _with_treatment(tmp_path / "a", switch_off=False)().runs("event_study")
    with pytest.raises(
        InputError,
        match=r"panel\.csv: treatment column 'certified' disagrees with training_start of reps\.csv on lines \d+",
    ):
        _with_treatment(tmp_path / "b", switch_off=True)()


def test_a_value_typed_in_the_cell_overrides_client_yml_even_when_it_is_the_default(tmp_path):
    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["org_effectiveness"]["parameters"]["conf_level"] = 0.9
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    nb = nbformat.read(paths.NOTEBOOKS_DIR / "org_effectiveness.ipynb", as_version=4)
    source = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - our own generated cell
    namespace["client_id"] = "gamma"
    untouched = _with_clients(folder.parent, lambda: load_study("org_effectiveness", namespace))
    assert untouched.params.conf_level == 0.9  # None in the cell: as in client.yml
    namespace["conf_level"] = 0.95  # the model's default, typed by a researcher
    typed = _with_clients(folder.parent, lambda: load_study("org_effectiveness", namespace))
    assert typed.params.conf_level == 0.95
    # a wrong value typed in the cell (or given to papermill -p) names the notebook, not client.yml
    namespace["conf_level"] = 95
    with pytest.raises(InputError) as raised:
        _with_clients(folder.parent, lambda: load_study("org_effectiveness", namespace))
    assert raised.value.problems == [
        (
            "the notebook's parameters (conf_level = 95): conf_level is a share between 0 and 1: "
            "did you mean 0.95?"
        )
    ]


def test_a_margin_the_client_never_stated_is_a_warning_when_costs_are_given(tmp_path):
    """A new user's ROI rested on the default 35% margin without a word."""
    from conftest import copy_example_client

    folder = copy_example_client("acme-learning", tmp_path / "clients" / "acme-copy")
    text = (folder / "client.yml").read_text(encoding="utf-8")
    (folder / "client.yml").write_text(
        text.replace("      margin: 0.35\n", "", 1), encoding="utf-8"
    )
    inputs = _with_clients(tmp_path / "clients", lambda: load_study("training_impact", folder.name))
    assert any("margin is not stated" in w for w in inputs.warnings), inputs.warnings
    stated = load_study("training_impact", "acme-learning")  # states margin: 0.35
    assert not any("margin is not stated" in w for w in stated.warnings)
