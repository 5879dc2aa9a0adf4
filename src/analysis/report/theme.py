"""The one seaborn theme and colour-blind-safe palette used by every report."""

from __future__ import annotations

__all__ = ["FONT_FAMILY", "PALETTE", "set_theme", "setup_notebook", "show_caveats_as_notes"]

#: seaborn's "colorblind" palette (after Okabe and Ito), used for every plot.
PALETTE = "colorblind"

FONT_FAMILY = ["Source Sans Pro", "Helvetica Neue", "Arial", "DejaVu Sans", "sans-serif"]


def set_theme() -> None:
    """Apply the workbench theme to matplotlib and seaborn.

    Call once at the top of every notebook (``analysis.report.set_theme()``).
    Figures are rendered as PNG at 110 dpi so that HTML reports embed them.
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=PALETTE,
        rc={
            "font.family": "sans-serif",
            "font.sans-serif": FONT_FAMILY,
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "semibold",
            # labels hold client text (items, groups, answers): "$" is a dollar, not TeX
            "text.parse_math": False,
        },
    )
    mpl.rcParams["figure.figsize"] = (7.0, 4.0)


def setup_notebook() -> None:
    """Apply the theme and show data errors as one clear message instead of a traceback.

    Call at the top of every study notebook. Errors that explain a problem with the
    client's data or configuration (the contract errors of ``analysis``) are printed
    as their message only; the cell still fails, so a batch render counts the report
    as failed and keeps the notebook for debugging. Other errors keep their traceback.
    """
    set_theme()
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - plain Python session
        return
    shell = get_ipython()
    if shell is None:
        return
    from analysis.core.errors import InputError

    # IPython's custom-exception handler signature; IPython passes ``tb_offset`` by name
    def concise(self, etype, value, _tb, tb_offset=None):  # noqa: ARG001
        message = (
            f"{etype.__name__}: the input data need fixing before this report can run.\n\n{value}"
        )
        # an error output holding only the message: JupyterLab shows it, and papermill
        # (also from the terminal) reports it, instead of an empty traceback
        self._showtraceback(etype, value, [message])
        return [message]

    shell.set_custom_exc((InputError,), concise)
    show_caveats_as_notes()


def show_caveats_as_notes() -> None:
    """Show every model caveat (a ``UserWarning`` or ``RuntimeWarning``) as a report note.

    A caveat such as "too few cases per parameter" or "only 12 clusters" qualifies
    the numbers next to it, so it belongs in the report, in the cell that raised it,
    as one highlighted note per caveat, not as red stderr (which the HTML export
    leaves out, and which teaches readers to ignore warnings). Warnings about code
    (deprecations) keep Python's usual display for the researcher.
    """
    import warnings

    from IPython.display import display

    from analysis.report.display import note

    original = getattr(warnings.showwarning, "_workbench_original", warnings.showwarning)

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (UserWarning, RuntimeWarning)):
            display(note(f"Caveat: {message}"))
        else:
            original(message, category, filename, lineno, file, line)

    showwarning._workbench_original = original  # type: ignore[attr-defined]
    warnings.showwarning = showwarning
