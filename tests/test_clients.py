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
