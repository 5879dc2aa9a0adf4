"""Sales-training effectiveness workbench.

The package is split the way data flows (the README's "Layout" draws it):

* :mod:`analysis.core` - paths, errors, options, result objects, sentences, plots;
* :mod:`analysis.clients` - client.yml, study parameters, plans, client folders;
* :mod:`analysis.contracts` - what a study reads: columns, periods, readers, checks;
* :mod:`analysis.ingest` - raw client files to imported tables, through a codebook;
* :mod:`analysis.datasets` - synthetic generators and the example clients;
* methods - :mod:`analysis.effects`, :mod:`analysis.survey`, :mod:`analysis.planning`,
  :mod:`analysis.power`, :mod:`analysis.roi`, :mod:`analysis.kirkpatrick`,
  :mod:`analysis.instruments`, :mod:`analysis.kpi_gaming`: the statistical API,
  usable from a plain Python session;
* :mod:`analysis.studies` - one home per study: checked inputs, sections, headline;
* :mod:`analysis.report` - what a notebook displays: theme, tables, figures;
* :mod:`analysis.render` - the batch engine: jobs, kernels, workers, export, index;
* :mod:`analysis.cli` - the ``workbench`` command.

Submodules are imported lazily so that ``import analysis`` stays cheap. Former import
paths (``analysis.inputs.*``, ``analysis.practice_models``, ...) keep working with a
FutureWarning (:mod:`analysis.core.moved`).
"""

from importlib.metadata import PackageNotFoundError, version

from analysis.core.moved import install as _install_moved

_install_moved()

try:
    __version__ = version("sales-training-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
