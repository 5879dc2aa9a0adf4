"""The ``workbench`` command: clear messages and exit codes, never a traceback."""

import subprocess
import sys

from analysis.cli import main


def test_unsafe_client_id_is_rejected_without_traceback(capsys):
    assert main(["render", "--client", "../x", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not a safe id" in err and "Traceback" not in err


def test_unknown_client_and_study_are_named(capsys):
    assert main(["render", "--client", "nobody", "--no-progress"]) == 2
    assert "no client 'nobody'" in capsys.readouterr().err
    assert main(["render", "--study", "org_efectiveness", "--no-progress"]) == 2
    assert "org_efectiveness" in capsys.readouterr().err


def test_python_dash_m_analysis_lists_clients():
    out = subprocess.run([sys.executable, "-m", "analysis", "list"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "acme-learning" in out.stdout


def test_bad_jobs_value_is_a_usage_error(capsys):
    assert main(["render", "--jobs", "0", "--no-progress"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
