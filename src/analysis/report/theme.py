"""The one seaborn theme and colour-blind-safe palette used by every report."""

from __future__ import annotations

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
        },
    )
    mpl.rcParams["figure.figsize"] = (7.0, 4.0)
