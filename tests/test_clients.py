"""Client discovery, client.yml checks and parameter checking."""

import pytest
import yaml

from analysis.clients.discovery import (
    ClientConfigError,
    check_client_id,
    check_parameters,
    discover_clients,
    load_client,
)


@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "acme corp", "Acme", "", "a/b", ".hidden", "x" * 64, "-lead"]
)
def test_unsafe_client_ids_are_rejected_with_a_suggestion(bad):
    with pytest.raises(ClientConfigError, match="not a safe id"):
        check_client_id(bad)


def test_safe_ids_pass():
    for good in ("acme", "acme-learning", "client_7", "x" * 63):
        assert check_client_id(good) == good


def test_discovery_scans_folders_and_reports_broken_ones(project):
    clients = project["clients"]
    (clients / ".git-like").mkdir()
    (clients / "_scratch").mkdir()
    (clients / "Bad Name").mkdir()
    (clients / "Bad Name" / "client.yml").write_text("display_name: x\nstudies: {probe: {}}")
    (clients / "no-config").mkdir()
    found = discover_clients(clients, project["notebooks"])
    assert [c.client_id for c in found.clients] == ["alpha", "beta"]
    assert set(found.errors) == {"Bad Name", "no-config"}
    assert "not a safe id" in found.errors["Bad Name"]
    assert "client.yml is missing" in found.errors["no-config"]
    alpha = found.clients[0]
    assert alpha.display_name == "Alpha Corp"
    assert alpha.studies["probe"].data_files["data_path"].name == "data.csv"


def _write(folder, config):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_text(
        yaml.safe_dump(config) if isinstance(config, dict) else config
    )
    return folder


def test_unknown_study_suggests_the_near_miss(project):
    folder = _write(project["clients"] / "gamma", {"display_name": "G", "studies": {"prob": {}}})
    with pytest.raises(ClientConfigError, match="Did you mean 'probe'"):
        load_client(folder, project["notebooks"])


@pytest.mark.parametrize(
    "config,message",
    [
        ("display_name: [unclosed", "not valid YAML"),
        ({"studies": {"probe": {}}}, "display_name must be"),
        ({"display_name": "G"}, "studies must name"),
        ({"display_name": "G", "studies": {"probe": {}}, "extra": 1}, "unknown key"),
        (
            {"display_name": "G", "studies": {"probe": {"parameters": {"client_name": "x"}}}},
            "set by the runner",
        ),
        (
            {
                "display_name": "G",
                "studies": {
                    "probe": {"data": {"data_path": "x.csv"}, "parameters": {"data_path": "y"}}
                },
            },
            "under both data and parameters",
        ),
        (
            "display_name: G\ndisplay_name: H\nstudies: {probe: {}}\n",
            r"key 'display_name' is given twice \(lines 1 and 2\)",
        ),
        ("display_name: &n G\nstudies: {probe: {parameters: {text: *n}}}\n", "anchors and aliases"),
        ({"display_name": "G", "studies": {"probe": {"params": {}}}}, "may only have"),
    ],
)
def test_bad_client_yml_names_the_file_and_fix(project, config, message):
    folder = _write(project["clients"] / "gamma", config)
    with pytest.raises(ClientConfigError, match=message) as error:
        load_client(folder, project["notebooks"])
    assert "data/clients/gamma/client.yml" in str(error.value) or "gamma" in str(error.value)


@pytest.mark.parametrize(
    "relative,message",
    [
        ("missing.csv", "not found in"),
        ("../alpha/data.csv", "leaves the client's folder"),
        ("/etc/passwd", "is an absolute path"),
    ],
)
def test_a_bad_data_file_fails_that_study_only(project, relative, message):
    folder = _write(
        project["clients"] / "gamma",
        {"display_name": "G", "studies": {"probe": {"data": {"data_path": relative}}}},
    )
    client = load_client(folder, project["notebooks"])
    assert any(
        message in error and "data/clients/gamma/client.yml" in error
        for error in client.studies["probe"].errors
    )


def test_unknown_parameter_is_an_error_with_suggestion(project):
    declared = {"client_name": {}, "data_path": {}, "sleep": {}, "fail": {}, "text": {}}
    with pytest.raises(ClientConfigError, match=r"'slep' \(did you mean 'sleep'\?\)"):
        check_parameters(
            "probe",
            project["notebooks"] / "probe.ipynb",
            ["client_name", "slep"],
            declared,
            "where",
        )
    check_parameters(
        "probe", project["notebooks"] / "probe.ipynb", ["client_name", "sleep"], declared, "where"
    )


def test_shipped_examples_are_discovered():
    found = discover_clients()
    assert len(found.clients) >= 3 and not found.errors


def test_credentials_are_refused_as_parameters(project):
    folder = _write(
        project["clients"] / "gamma",
        {"display_name": "G", "studies": {"probe": {"parameters": {"api_key": "abc"}}}},
    )
    with pytest.raises(ClientConfigError, match="look like credentials.*environment variable"):
        load_client(folder, project["notebooks"])


# ------------------------------------------- one client's bad configuration fails that client alone

NESTED = "[" * 3000 + "]" * 3000

#: client.yml texts that once ended discovery (and every other client's render) in a traceback,
#: or let a name through that index.html could not write; each is now one line naming the file.
BROKEN_CLIENT_YML = {
    "set-as-key": ("display_name: G\n? !!set {a: null}\n: 1\nstudies: {probe: {}}\n", "!!set"),
    "list-as-key": ("display_name: G\n? [a, b]\n: 1\nstudies: {probe: {}}\n", "a key must be"),
    "set-as-value": ("display_name: G\nnotes: !!set {a, b}\nstudies: {probe: {}}\n", "!!set"),
    "3000-brackets": (f"display_name: G\nnotes: {NESTED}\nstudies: {{probe: {{}}}}\n", "nested"),
    "not-utf8-name": (
        'display_name: "G \\udc80"\nstudies: {probe: {}}\n',
        "line 1: the text holds an escaped code",
    ),
    "control-in-name": ('display_name: "G\\x1b[31m"\nstudies: {probe: {}}\n', "control character"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CLIENT_YML))
def test_a_broken_client_yml_fails_that_client_alone(project, case, tmp_path):
    from analysis.clients.discovery import Discovery
    from analysis.render.index import write_index

    text, message = BROKEN_CLIENT_YML[case]
    _write(project["clients"] / "gamma", text)
    found = discover_clients(project["clients"], project["notebooks"])
    assert [c.client_id for c in found.clients] == ["alpha", "beta"]
    assert list(found.errors) == ["gamma"]
    assert (
        message in found.errors["gamma"]
        and "data/clients/gamma/client.yml" in found.errors["gamma"]
    )
    assert "Traceback" not in found.errors["gamma"] and found.errors["gamma"].count("\n") == 0
    index = write_index(tmp_path, Discovery(found.clients, {}), found.errors)
    assert "Alpha Corp" in index.read_text(encoding="utf-8")


def test_index_html_is_written_whatever_text_a_client_holds(project, tmp_path):
    """A name no reader refused but UTF-8 cannot hold is written escaped, not a failed index."""
    from analysis.clients.config import Client
    from analysis.clients.discovery import Discovery
    from analysis.render.index import write_index

    found = discover_clients(project["clients"], project["notebooks"])
    odd = Client("gamma", "G \udc80 <b>", project["clients"] / "alpha", {})
    index = write_index(tmp_path, Discovery([*found.clients, odd], {}), {"delta": "bad \udcff"})
    text = index.read_text(encoding="utf-8")
    assert "Alpha Corp" in text and "bad \\udcff" in text


def test_a_freeze_record_with_earlier_null_or_deep_nesting_fails_that_client_alone(project):
    for name, text, message in (
        ("gamma", '{"frozen_at": "x", "sha256": "x", "plan": {}, "earlier": null}', "earlier must"),
        ("delta", '{"plan": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than"),
        ("omega", '{"plan": {}, "plan": {}}', "given twice"),
    ):
        folder = _write(
            project["clients"] / name,
            {
                "display_name": name,
                "studies": {"probe": {}},
                "plan": _example_plan(),
            },
        )
        (folder / "plan.frozen.json").write_text(text, encoding="utf-8")
        found = discover_clients(project["clients"], project["notebooks"])
        assert [c.client_id for c in found.clients] == ["alpha", "beta"], found.errors
        assert message in found.errors[name] and "plan.frozen.json" in found.errors[name]
        (folder / "plan.frozen.json").unlink()
        (folder / "client.yml").unlink()


def _example_plan() -> dict:
    from analysis.core import paths

    config = (paths.CLIENTS_DIR / "acme-learning" / "client.yml").read_text(encoding="utf-8")
    return yaml.safe_load(config)["plan"]


# ------------------------------------------------------------ no file read through a link out


def test_a_client_folder_that_is_a_link_out_is_refused(project, tmp_path):
    outside = tmp_path / "elsewhere" / "gamma"
    _write(outside, {"display_name": "Gamma", "studies": {"probe": {}}})
    (project["clients"] / "gamma").symlink_to(outside, target_is_directory=True)
    found = discover_clients(project["clients"], project["notebooks"])
    assert [c.client_id for c in found.clients] == ["alpha", "beta"]
    message = found.errors["gamma"]
    assert "data/clients/gamma is a symbolic link to" in message and str(outside) in message
    assert "mv " in message  # the fix


@pytest.mark.parametrize("name", ["client.yml", "plan.yml", "plan.frozen.json"])
def test_client_yml_plan_and_record_linked_to_another_client_are_refused(project, name):
    alpha = project["clients"] / "alpha"
    plan = yaml.safe_dump({"plan": _example_plan()})
    (alpha / "plan.yml").write_text(plan, encoding="utf-8")
    (alpha / "plan.frozen.json").write_text("{}", encoding="utf-8")
    gamma = _write(
        project["clients"] / "gamma", {"display_name": "Gamma", "studies": {"probe": {}}}
    )
    (gamma / name).unlink(missing_ok=True)
    (gamma / name).symlink_to(alpha / name)
    if name == "plan.frozen.json":
        (gamma / "plan.yml").write_text(plan, encoding="utf-8")
    with pytest.raises(ClientConfigError) as error:
        load_client(gamma, project["notebooks"])
    message = str(error.value)
    assert f"data/clients/gamma/{name} is a symbolic link to" in message
    assert str((alpha / name).resolve()) in message and "cp --remove-destination" in message
    # a link that stays in the folder is an ordinary file
    (gamma / name).unlink()
    (gamma / f"{name}.real").write_text(
        (alpha / name).read_text()
        if name != "client.yml"
        else yaml.safe_dump({"display_name": "Gamma", "studies": {"probe": {}}})
    )
    (gamma / name).symlink_to(gamma / f"{name}.real")
    if name != "plan.frozen.json":
        load_client(gamma, project["notebooks"])


@pytest.mark.parametrize(
    "text,message",
    [
        ("tables: " + NESTED + "\n", "nested more than 32 deep"),
        (
            "a: &a [x, x]\ntables: {survey: {source: {file: s.csv}, keep: *a}}\n",
            "anchors and aliases",
        ),
        ("tables:\n  ? !!set {a: null}\n  : 1\n", "!!set"),
    ],
    ids=["3000-brackets", "anchors", "set-key"],
)
def test_codebook_yml_is_read_as_strictly_as_client_yml(tmp_path, text, message):
    from analysis.ingest.codebook import CodebookError, run_codebook

    folder = tmp_path / "gamma"
    folder.mkdir()
    (folder / "codebook.yml").write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match=message) as error:
        run_codebook(folder)
    assert str(error.value).startswith("gamma/codebook.yml") and "\n" not in str(error.value)


def test_a_codebook_linked_to_another_clients_is_not_read(tmp_path):
    from analysis.ingest.codebook import CodebookError, run_codebook

    other, folder = tmp_path / "other", tmp_path / "gamma"
    other.mkdir(), folder.mkdir()
    (other / "codebook.yml").write_text("tables: {}\n", encoding="utf-8")
    (folder / "codebook.yml").symlink_to(other / "codebook.yml")
    with pytest.raises(CodebookError, match="gamma/codebook.yml is a symbolic link to"):
        run_codebook(folder)


@pytest.mark.parametrize("command", ["validate", "import", "plan freeze", "draft-codebook"])
def test_no_command_reads_or_writes_through_a_linked_client_folder(
    command, tmp_path, monkeypatch, capsys
):
    from analysis import cli
    from analysis.core import paths

    outside = _write(tmp_path / "elsewhere" / "gamma", {"display_name": "G", "studies": {}})
    (outside / "codebook.yml").write_text("tables: {}\n", encoding="utf-8")
    (outside / "raw.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    clients = tmp_path / "data" / "clients"
    clients.mkdir(parents=True)
    (clients / "gamma").symlink_to(outside, target_is_directory=True)
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    before = sorted(p.name for p in outside.iterdir())
    argv = [*command.split(), "gamma", *(["raw.csv"] if command == "draft-codebook" else [])]
    assert cli.main(argv) in (1, 2)
    error = capsys.readouterr().err
    assert "data/clients/gamma is a symbolic link to" in error and "Traceback" not in error
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written there


def test_a_missing_file_before_the_import_says_to_run_the_import(tmp_path):
    """A new user ran validate after draft-codebook: the message said only "not found"."""
    from analysis.clients.files import resolve_path
    from analysis.core.errors import ConfigError

    folder = tmp_path / "northwind"
    folder.mkdir()
    with pytest.raises(ConfigError) as plain:
        resolve_path(folder, "reps.csv", name="reps_path", where="client.yml")
    assert "workbench import" not in str(plain.value)
    (folder / "codebook.yml").write_text("tables: {}\n")
    with pytest.raises(
        ConfigError, match=r"Nothing is imported yet: run `workbench import northwind`"
    ):
        resolve_path(folder, "reps.csv", name="reps_path", where="client.yml")
    (folder / "imported").mkdir()
    (folder / "imported" / "import_record.json").write_text("{}")
    with pytest.raises(ConfigError) as after:
        resolve_path(folder, "reps.csv", name="reps_path", where="client.yml")
    assert "workbench import" not in str(after.value)
