"""The package layout: former import paths still work (with a FutureWarning naming the
new one) and the layout's size limits hold."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.core import paths
from analysis.core.moved import MOVED

SRC = paths.PACKAGE_DIR


@pytest.mark.parametrize("former", sorted(MOVED))
def test_a_former_module_path_warns_and_is_the_same_module(former: str) -> None:
    # a fresh interpreter: the module may already be imported under its new name here
    code = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = importlib.import_module({former!r})\n"
        f"new = importlib.import_module({MOVED[former]!r})\n"
        "assert old is new, (old, new)\n"
        "assert new.__spec__.name == new.__name__ == " + repr(MOVED[former]) + "\n"
        "messages = [str(w.message) for w in caught if w.category is FutureWarning]\n"
        f"assert any({MOVED[former]!r} in m for m in messages), messages\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_from_former_package_import_name_works() -> None:
    sys.modules.pop("analysis.inputs.paths", None)
    with pytest.warns(FutureWarning, match="analysis.core.paths"):
        former = importlib.import_module("analysis.inputs.paths")

    assert former is paths


def test_every_former_path_points_at_a_module_that_exists() -> None:
    for former, new in MOVED.items():
        assert importlib.util.find_spec(new) is not None, (former, new)
        relative = Path(*new.split(".")[1:])
        assert (SRC / f"{relative}.py").exists() or (SRC / relative / "__init__.py").exists()
        # and the former file is gone (no second copy to drift)
        old = Path(*former.split(".")[1:])
        assert not (SRC / f"{old}.py").exists() or former == new, former


def _modules(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*.py")]


def _code_lines(module: Path) -> int:
    """Lines of ``module`` outside its docstrings: numpydoc sections document, they do not
    make a folder hold more."""
    text = module.read_text()
    documented = 0
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                documented += (first.end_lineno or first.lineno) - first.lineno + 1
    return len(text.splitlines()) - documented


def test_no_folder_holds_more_than_about_twelve_modules_or_3000_lines() -> None:
    for folder in [SRC, *(p for p in SRC.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        modules = _modules(folder)
        lines = sum(_code_lines(p) for p in modules)
        assert len(modules) <= 14, (folder, len(modules))
        assert lines <= 3000, (folder, lines)


def test_every_module_declares_its_public_names() -> None:
    missing = []
    for module in SRC.rglob("*.py"):
        if module.name in {"__main__.py"} or "templates" in module.parts:
            continue
        tree = ast.parse(module.read_text())
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "__all__" not in names and module.name != "__init__.py":
            missing.append(str(module.relative_to(SRC)))
    assert not missing, f"modules without __all__: {missing}"
