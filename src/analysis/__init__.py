"""Sales-training effectiveness workbench.

The package is split the way data flows:

* :mod:`analysis.inputs` - paths, study contracts and synthetic data generators;
* :mod:`analysis.survey` (and the other method modules) - the statistical API,
  usable from a plain Python session;
* :mod:`analysis.report` - theme, tables, figures and the papermill/nbconvert batch;
* :mod:`analysis.cli` - the ``workbench`` command.

Submodules are imported lazily so that ``import analysis`` stays cheap.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sales-training-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
