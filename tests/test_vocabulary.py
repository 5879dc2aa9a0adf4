"""One vocabulary: the README's table of argument names against every public function.

The README ("One vocabulary") is the reference; this file reads its tables and holds
the code to them, so a new synonym fails here instead of drifting in unnoticed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.core import options

README = Path(__file__).resolve().parents[1] / "README.md"

#: The argument names of the statistical API; must equal the README's table.
VOCABULARY = {
    "data", "outcome", "treatment", "covariates", "unit", "time", "start", "by", "cluster",
    "weights", "strata", "psu", "fpc", "design", "conf_level", "n_resamples", "seed",
    "bootstrap", "lags", "effect", "std_error", "df", "power", "break_even", "reference",
    "exposed", "residual_sd", "autocorrelation", "budget", "costs", "margin",
    "value_per_unit", "treated_periods", "periods", "conservative", "intangibles",
    "instrument", "items", "before", "after", "n_options", "missing", "values", "column",
    "min_cell_size", "options", "outcomes", "targets", "team", "conversions", "table",
    "display_names", "top", "currency", "symbol", "title", "kwargs",
}  # fmt: skip

#: Packages whose ``__all__`` is the statistical API a notebook calls.
METHODS = (
    "effects", "survey", "planning", "power", "roi", "kirkpatrick", "reliability",
    "instruments", "kpi_gaming",
)  # fmt: skip

#: (function, argument) pairs that take a former name on purpose.
KEPT = {
    # a value of the segment column to keep, not a grouping column
    ("analysis.survey.study.prepare_responses", "segment"),
}

#: Functions whose first argument is not a table: a number, an array, a path, a result.
NOT_ON_DATA = {
    "roi_figures", "describe", "describe_contrast", "rwg", "nominal_alpha", "check_conf_level",
    "fully_loaded_costs", "two_by_two_p_value", "korn_graubard", "residualize",
    "design_std_error", "design_power", "break_even", "smallest_design", "best_per_length",
    "power_table", "clears", "describe_power", "describe_smallest", "draw_panel",
    "simulate_rollout", "summarise_draws", "describe_draws", "percent", "number", "holm",
    "planned_effects", "plan_records", "describe_against_plan", "power", "power_against",
    "minimum_detectable_effect", "break_even_effect", "design_check", "describe_design",
    "training_roi", "plot", "resized", "cells", "label", "with_benchmark",
}  # fmt: skip

#: Modules of the package that are only former import paths (core.moved).
SKIPPED_MODULES = ("analysis.inputs", "analysis.__main__")


def _readme_tables() -> dict[str, list[list[str]]]:
    """The README's tables under "One vocabulary", keyed by their first header cell."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### One vocabulary", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[list[str]]] = {}
    rows: list[list[str]] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            tables[rows[0][0]] = rows[1:]
            rows = []
    return tables


def _names(cell: str) -> list[str]:
    return re.findall(r"`([a-z_0-9]+)`", cell)


def readme_vocabulary() -> tuple[set[str], dict[str, str]]:
    """The names of the README's table and its former names -> the name now."""
    names: set[str] = set()
    former: dict[str, str] = {}
    for row in _readme_tables()["name"]:
        now = _names(row[0])
        names.update(now)
        for old in _names(row[2]):
            former[old] = now[0]
    return names, former


def _functions(module: object) -> Iterator[tuple[str, object]]:
    """Public functions and public methods of the classes in ``module.__all__``."""
    for attr in getattr(module, "__all__", ()):
        obj = getattr(module, attr)
        if inspect.isfunction(obj):
            yield attr, obj
        elif inspect.isclass(obj) and obj.__module__.startswith("analysis"):
            for name, member in vars(obj).items():
                if inspect.isfunction(member) and not name.startswith("_"):
                    yield f"{attr}.{name}", member


def _signatures(modules) -> dict[str, inspect.Signature]:
    found = {}
    for module in modules:
        for _, func in _functions(module):
            if func.__module__.startswith("analysis"):
                where = f"{func.__module__}.{func.__qualname__}"
                found[where] = inspect.signature(func)
    return found


def package_api() -> dict[str, inspect.Signature]:
    """Every public function of the package: each module's ``__all__``, walked."""
    modules = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
            if not info.name.startswith(SKIPPED_MODULES):
                modules.append(importlib.import_module(info.name))
    return _signatures(modules)


def method_api() -> dict[str, inspect.Signature]:
    """The statistical API: what the method packages export, defined in a method module."""
    modules = [importlib.import_module(f"analysis.{name}") for name in METHODS]
    return {
        where: signature
        for where, signature in _signatures(modules).items()
        if where.split(".")[1] in METHODS
    }


def _arguments(signature: inspect.Signature) -> list[str]:
    return [p for p in signature.parameters if p not in ("self", "cls")]


def test_the_readme_table_and_the_name_list_agree():
    names, former = readme_vocabulary()
    assert names == VOCABULARY, (sorted(names - VOCABULARY), sorted(VOCABULARY - names))
    assert not set(former) & names, "a former name cannot also be a name in use"


def test_every_shared_argument_name_is_in_the_vocabulary():
    users: dict[str, set[str]] = defaultdict(set)
    for where, signature in method_api().items():
        for name in _arguments(signature):
            users[name].add(where)
    shared = {name: sorted(where) for name, where in users.items() if len(where) > 1}
    assert len(method_api()) > 80
    assert {n: w for n, w in shared.items() if n not in VOCABULARY} == {}


def test_no_public_function_takes_a_former_name():
    _, former = readme_vocabulary()
    api = package_api()
    assert len(api) > 300  # the walk reached the whole package
    found = {
        (where, name): former[name]
        for where, signature in api.items()
        for name in _arguments(signature)
        if name in former and (where, name) not in KEPT
    }
    assert found == {}


def test_data_comes_first():
    first = {
        where: _arguments(signature)[0]
        for where, signature in method_api().items()
        if where.rsplit(".", 1)[1] not in NOT_ON_DATA and _arguments(signature)
    }
    assert {w: p for w, p in first.items() if p != "data"} == {}


def test_one_seed_default():
    seeds = {
        where: signature.parameters["seed"].default
        for where, signature in package_api().items()
        if "seed" in signature.parameters
        and signature.parameters["seed"].default is not inspect.Parameter.empty
        and not where.startswith("analysis.datasets")  # a generator's seed names its example
    }
    assert len(seeds) >= 8
    assert set(seeds.values()) == {options.SEED}, seeds


def test_client_parameters_use_the_same_seed():
    from analysis.clients.parameters import EvaluationPlan

    assert EvaluationPlan.model_fields["seed"].default == options.SEED


def test_one_resampling_default_per_kind_as_the_readme_says():
    constants = {
        "wild bootstrap": options.WILD_BOOTSTRAP_RESAMPLES,
        "permutation": options.PERMUTATION_RESAMPLES,
        "bootstrap": options.BOOTSTRAP_RESAMPLES,
        "simulation": options.SIMULATION_DRAWS,
    }
    kind_of: dict[str, str] = {}
    for kind, default, functions, _ in _readme_tables()["kind"]:
        assert int(default) == constants[kind], kind
        for dotted in re.findall(r"`([a-z_.]+)`", functions):
            package, *path = dotted.split(".")
            func = importlib.import_module(f"analysis.{package}")
            for part in path:
                func = getattr(func, part)
            kind_of[f"{func.__module__}.{func.__qualname__}"] = kind
    defaults = {
        where: signature.parameters["n_resamples"].default
        for where, signature in package_api().items()
        if "n_resamples" in signature.parameters
        and signature.parameters["n_resamples"].default is not inspect.Parameter.empty
    }
    assert set(defaults) == set(kind_of), "every resampling function is in the README's table"
    assert {w: d for w, d in defaults.items() if d != constants[kind_of[w]]} == {}


def test_covariates_are_a_sequence_of_column_names_or_none():
    kinds = {
        where: (
            str(signature.parameters["covariates"].annotation),
            signature.parameters["covariates"].default,
        )
        for where, signature in package_api().items()
        if "covariates" in signature.parameters
    }
    assert len(kinds) >= 8
    optional = {w: k for w, k in kinds.items() if k[1] is not inspect.Parameter.empty}
    required = {w: k for w, k in kinds.items() if k[1] is inspect.Parameter.empty}
    assert {w: k for w, k in optional.items() if k != ("Sequence[str] | None", None)} == {}
    assert {w: k for w, k in required.items() if k[0] != "Sequence[str]"} == {}


def test_result_columns_are_the_readme_ones():
    from analysis.effects import TIDY_COLUMNS

    text = README.read_text(encoding="utf-8").split("### One vocabulary", 1)[1]
    listed = text.split("Result columns:", 1)[1].split("`", 2)[1]
    columns = [c.strip() for c in listed.replace("\n", " ").split(",")]
    assert columns == TIDY_COLUMNS


# ----------------------------------------------------------------- former names still work


def _design_table():
    return pd.DataFrame(
        {
            "answer": ["yes", "no", "yes", "yes", "no", "yes", "no", "yes"],
            "g": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "company": [1, 1, 2, 2, 3, 3, 4, 4],
            "flag": [True, False, True, True, False, True, False, False],
        }
    )


def _planned():
    from analysis.planning import RolloutDesign

    return RolloutDesign(periods=12, cohorts=((4, 60),), untrained=60)


FORMER_CALLS = [
    pytest.param(
        lambda **kw: analysis.survey.shares(_design_table(), "answer", **kw),
        {"clusters": "company"},
        {"psu": "company"},
        r"shares\(clusters=\.\.\.\) is now shares\(psu=\.\.\.\)",
        id="survey.shares",
    ),
    pytest.param(
        lambda **kw: analysis.survey.risk_ratio(
            _design_table(), "flag", by="g", exposed="a", reference="b", **kw
        ),
        {"clusters": "company"},
        {"psu": "company"},
        r"risk_ratio\(clusters=",
        id="survey.risk_ratio",
    ),
    pytest.param(
        lambda **kw: analysis.survey.SurveyDesign(weights="w", **kw),
        {"clusters": "company"},
        {"psu": "company"},
        r"clusters=\.\.\.\) is now .*psu=",
        id="survey.SurveyDesign",
    ),
    pytest.param(
        lambda **kw: analysis.survey.proportions.korn_graubard(0.2, 0.05, n=80, **kw),
        {"degrees_of_freedom": 12},
        {"df": 12},
        r"korn_graubard\(degrees_of_freedom=\.\.\.\) is now korn_graubard\(df=\.\.\.\)",
        id="survey.korn_graubard",
    ),
    pytest.param(
        lambda **kw: analysis.planning.design_power(
            _planned(), effect=1000.0, residual_sd=6000.0, **kw
        ),
        {"power_target": 0.9},
        {"power": 0.9},
        r"design_power\(power_target=\.\.\.\) is now design_power\(power=\.\.\.\)",
        id="planning.design_power",
    ),
    pytest.param(
        lambda **kw: analysis.planning.power_table(
            _planned(), expected_effect=1500.0, residual_sd=6000.0, **kw
        ),
        {"break_even_effect": 900.0, "power_target": 0.9},
        {"break_even": 900.0, "power": 0.9},
        r"power_table\((break_even_effect|power_target)=",
        id="planning.power_table",
    ),
    pytest.param(
        lambda **kw: analysis.planning.summarise_draws(
            pd.DataFrame({"estimate": [1.0, 2.0], "conf_low": [0.5, -1.0], "conf_high": [2, 3]}),
            expected=1.5,
            **kw,
        ),
        {"break_even_effect": 0.2},
        {"break_even": 0.2},
        r"summarise_draws\(break_even_effect=",
        id="planning.summarise_draws",
    ),
    pytest.param(
        lambda **kw: analysis.power.design_check(std_error=100.0, break_even=300.0, **kw),
        {"power_target": 0.9},
        {"power": 0.9},
        r"design_check\(power_target=\.\.\.\) is now design_check\(power=\.\.\.\)",
        id="power.design_check",
    ),
]


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a == b or np.allclose(np.asarray(a, float), np.asarray(b, float))


@pytest.mark.parametrize(("call", "old", "new", "message"), FORMER_CALLS)
def test_a_former_name_still_works_with_a_future_warning(call, old, new, message):
    with pytest.warns(FutureWarning, match=message):
        before = call(**old)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        now = call(**new)
    _same(before, now)


def test_a_former_name_given_with_its_new_name_is_refused():
    with pytest.raises(TypeError, match="got both clusters= and psu="):
        analysis.survey.shares(_design_table(), "answer", clusters="company", psu="company")


def test_the_design_attribute_keeps_its_former_name():
    design = analysis.survey.SurveyDesign(psu="company")
    with pytest.warns(FutureWarning, match=r"SurveyDesign.clusters is now SurveyDesign.psu"):
        assert design.clusters == "company"


def test_the_internal_helpers_take_the_new_names():
    from analysis.effects.tidy import tidy_fit, wald_f

    assert "n_clusters" in inspect.signature(wald_f).parameters
    assert "df" in inspect.signature(tidy_fit).parameters
