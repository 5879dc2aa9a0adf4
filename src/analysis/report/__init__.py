"""Reporting: the seaborn theme, styled tables and figures for notebooks, and the batch.

The papermill/nbconvert batch renders one HTML report per client and study.

Notebook helpers (cheap to import) are re-exported here; the batch machinery lives
in :mod:`analysis.render.batch` and is imported only by the ``workbench`` command.
"""

from analysis.core import plots
from analysis.report.display import DISPLAY_TIDY, figure, note, notes, publish_summary, table, widen
from analysis.report.theme import PALETTE, set_theme, setup_notebook

__all__ = [
    "DISPLAY_TIDY",
    "PALETTE",
    "figure",
    "note",
    "notes",
    "plots",
    "publish_summary",
    "set_theme",
    "setup_notebook",
    "table",
    "widen",
]
