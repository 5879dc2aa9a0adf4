"""Reliability of multi-item scales and of raters: Cronbach's alpha and intraclass correlations.

Readiness and alignment instruments score a person from several items, or a
behaviour from several raters; before a score is compared between groups it should
be shown to be reliable. Three functions answer that on a data frame:

- :func:`cronbach_alpha` on wide data (one column per item), with the Feldt
  F-based interval that R's ``psych`` and ``pingouin`` print;
- :func:`alpha_if_deleted`, the same coefficient with each item left out in turn,
  beside the item's correlation with the rest of the scale;
- :func:`icc` on long data (one row per target and rater), the six intraclass
  correlations of Shrout & Fleiss (1979) with their F tests and intervals.

Each returns a :class:`ReliabilityResult`, which answers ``tidy()``, ``summary()``,
``plot()`` and shows itself as HTML like every other result of the workbench.
Problems with the data (too few items, an item that never varies, text where
numbers are expected, a rater who scored a target twice) raise
:class:`~analysis.core.errors.DataError` naming the column and the fix.
"""

from analysis.reliability.alpha import alpha_if_deleted, cronbach_alpha
from analysis.reliability.common import MissingItems, ReliabilityResult
from analysis.reliability.icc import icc

__all__ = [
    "MissingItems",
    "ReliabilityResult",
    "alpha_if_deleted",
    "cronbach_alpha",
    "icc",
]
