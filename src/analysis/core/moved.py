"""Former import paths of modules that moved, kept working with a FutureWarning.

The package was reorganised so that its folders read as the architecture (see the
README's "Layout"). Code written against the former paths, such as
``from analysis.inputs import paths`` or ``import analysis.practice_models``, keeps
working: :class:`MovedModuleFinder` answers the former name with the module at its
new home (the same module object, so patches and ``isinstance`` checks agree) and
warns once per name with the path to write instead.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Sequence

__all__ = ["FORMER_PACKAGES", "MOVED", "MovedModuleFinder", "install"]

#: Former module path -> the module's home now.
MOVED: dict[str, str] = {
    "analysis.conclusions": "analysis.core.conclusions",
    "analysis.inputs.client_files": "analysis.clients.files",
    "analysis.inputs.columns": "analysis.contracts.columns",
    "analysis.inputs.config": "analysis.clients.config",
    "analysis.inputs.contract_docs": "analysis.studies.docs",
    "analysis.inputs.drafting": "analysis.ingest.drafting",
    "analysis.inputs.errors": "analysis.core.errors",
    "analysis.inputs.example_deliveries": "analysis.datasets.deliveries",
    "analysis.inputs.example_plans": "analysis.datasets.plans",
    "analysis.inputs.examples": "analysis.datasets.examples",
    "analysis.inputs.import_record": "analysis.ingest.record",
    "analysis.inputs.importers": "analysis.ingest.codebook",
    "analysis.inputs.instrument_contract": "analysis.contracts.instruments",
    "analysis.inputs.numbers": "analysis.contracts.numbers",
    "analysis.inputs.parameter_docs": "analysis.clients.parameter_docs",
    "analysis.inputs.parameters": "analysis.clients.parameters",
    "analysis.inputs.paths": "analysis.core.paths",
    "analysis.inputs.periods": "analysis.contracts.periods",
    "analysis.inputs.plan": "analysis.clients.plan",
    "analysis.inputs.plan_record": "analysis.clients.plan_record",
    "analysis.inputs.quality": "analysis.contracts.quality",
    "analysis.inputs.readers": "analysis.contracts.readers",
    "analysis.inputs.schemas": "analysis.contracts.schemas",
    "analysis.ingest.checks": "analysis.ingest.rules.checks",
    "analysis.ingest.sources": "analysis.ingest.read.sources",
    "analysis.ingest.spreadsheets": "analysis.ingest.read.spreadsheets",
    "analysis.ingest.units": "analysis.ingest.rules.units",
    "analysis.inputs.sources": "analysis.ingest.read.sources",
    "analysis.inputs.spreadsheets": "analysis.ingest.read.spreadsheets",
    "analysis.inputs.survey_contract": "analysis.contracts.survey",
    "analysis.inputs.synthetic_instruments": "analysis.datasets.instruments",
    "analysis.inputs.synthetic_survey": "analysis.datasets.survey",
    "analysis.inputs.synthetic_training": "analysis.datasets.training",
    "analysis.inputs.training_contract": "analysis.contracts.training",
    "analysis.options": "analysis.core.options",
    "analysis.plots": "analysis.core.plots",
    "analysis.practice_models": "analysis.survey.practice_models",
    "analysis.report.benchmarks": "analysis.render.benchmarks",
    "analysis.report.clients": "analysis.clients.discovery",
    "analysis.report.cluster": "analysis.render.cluster",
    "analysis.report.export": "analysis.render.export",
    "analysis.report.hashing": "analysis.render.hashing",
    "analysis.report.imports": "analysis.render.imports",
    "analysis.report.index": "analysis.render.index",
    "analysis.report.jobs": "analysis.render.jobs",
    "analysis.report.kernels": "analysis.render.kernels",
    "analysis.report.pdf": "analysis.render.pdf",
    "analysis.report.readiness": "analysis.studies.readiness_alignment.sections",
    "analysis.report.render": "analysis.render.batch",
    "analysis.report.renderer": "analysis.render.execute",
    "analysis.report.scaffold": "analysis.clients.scaffold",
    "analysis.report.validate": "analysis.studies.validate",
    "analysis.report.workers": "analysis.render.workers",
    "analysis.results": "analysis.core.results",
    "analysis.studies.plan_sections": "analysis.studies.training_impact.plan_checks",
}

#: Former packages that no longer exist as folders; their names still import.
FORMER_PACKAGES = frozenset({"analysis.inputs"})


class _AliasLoader(importlib.abc.Loader):
    """Hands back the module at its new home, or an empty former package."""

    def __init__(self, target: str | None) -> None:
        self.target = target
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.target is None:
            module = types.ModuleType(spec.name, f"Former package; see {__name__}.")
            module.__path__ = []
            return module
        warnings.warn(
            f"{spec.name} moved to {self.target}; import it from there "
            "(the former path will be removed in a later release)",
            FutureWarning,
            stacklevel=2,  # the importing line (warnings skips importlib's frames)
        )
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Put the module's own spec back; nothing to run.

        The target was executed at its new home. The import system has just given it the
        former name's spec; its own spec is put back.
        """
        if self.target is not None:
            module.__spec__ = self._spec


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds former module names (:data:`MOVED`) and answers them with the new module."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,  # noqa: ARG002 (MetaPathFinder.find_spec's signature)
        target: types.ModuleType | None = None,  # noqa: ARG002 (the same)
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a spec that aliases a former module name to its new module, else None."""
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(MOVED[fullname]))
        if fullname in FORMER_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(None), is_package=True)
        return None


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())
