"""What every result object of the workbench answers: ``tidy()``, ``summary()``, ``plot()`` and HTML.

A result class defines :meth:`TidyResult.tidy` (rows with ``term, estimate,
std_error, conf_low, conf_high, p_value, n``) and :meth:`TidyResult.caption`; the
mixin gives it the rest, so every result looks and behaves alike in a notebook:

- ``summary()`` returns the tidy table with the caption and notes in ``.attrs``;
- ``plot()`` returns a matplotlib Figure (estimates with their intervals);
- ``_repr_html_()`` shows the caption, the table and the notes in JupyterLab.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["TidyResult", "interval_record", "result_html"]


class TidyResult:
    """Mixin for result objects; subclasses define :meth:`tidy` and :meth:`caption`."""

    #: reference value drawn in :meth:`plot` (0 for differences, 1 for ratios)
    reference: float = 0.0

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - defined by every subclass
        """Return the result as tidy rows (``term, estimate, std_error, ...``)."""
        raise NotImplementedError

    def caption(self) -> str:
        """One line saying what the table shows."""
        return type(self).__name__

    def result_notes(self) -> list[str]:
        """Caveats found while estimating (rows left out, few clusters, ...)."""
        return list(getattr(self, "notes", []) or [])

    def summary(self) -> pd.DataFrame:
        """Return the tidy table, with ``attrs["caption"]`` and ``attrs["notes"]``."""
        table = self.tidy()
        table.attrs.update(caption=self.caption(), notes=self.result_notes())
        return table

    def plot(self, *, title: str | None = None, **kwargs: Any) -> Figure:
        """Estimates with their confidence intervals; returns a matplotlib Figure."""
        from analysis.core.plots import plot_forest

        table = self.tidy().dropna(subset=["estimate", "conf_low", "conf_high"])
        options: dict[str, Any] = {
            "reference": self.reference,
            "log_scale": False,
            "xlabel": "Estimate",
        }
        options.update(kwargs)
        return plot_forest(table, title=title if title is not None else self.caption(), **options)

    def _repr_html_(self) -> str:
        return result_html(self.tidy(), self.caption(), self.result_notes())


def result_html(table: pd.DataFrame, caption: str, notes: list[str] | None = None) -> str:
    """Return a caption, the table (4 significant digits) and the notes as plain HTML.

    Parameters
    ----------
    table : DataFrame
        The table shown.
    caption : str
        Its caption.
    notes : list of str, optional
        Notes under the table.

    Returns
    -------
    str
        The HTML, with every text escaped.
    """
    shown = table.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)
    parts = [f"<p><strong>{html.escape(caption)}</strong></p>", shown]
    parts += [f"<p><em>Note:</em> {html.escape(n)}</p>" for n in notes or []]
    return "<div class='workbench-result'>" + "".join(parts) + "</div>"


def interval_record(
    name: str, label: str, row: Any, unit: str, *, n: bool = True
) -> dict[str, Any]:
    """Return a headline record (:func:`analysis.report.publish_summary`) from a tidy row.

    ``row`` has ``estimate``, ``conf_low``, ``conf_high`` (and ``n`` when ``n`` is True).

    Parameters
    ----------
    name : str
        Slug of the record.
    label : str
        What the record shows, in words.
    row : Series or mapping
        A tidy row.
    unit : str
        Unit of the estimate ("currency", "share", "number", ...).
    n : bool, default True
        Whether to copy ``n``.

    Returns
    -------
    dict of str to Any
        ``name, label, estimate, conf_low, conf_high, unit`` (and ``n``).
    """
    record = {
        "name": name,
        "label": label,
        "estimate": row["estimate"],
        "conf_low": row["conf_low"],
        "conf_high": row["conf_high"],
        "unit": unit,
    }
    if n:
        record["n"] = row["n"]
    return record
