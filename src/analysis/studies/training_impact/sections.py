"""Study 2 as the client reads it: the first screen, the body sections and the appendix.

:class:`TrainingReport` computes every estimate of a client's training-impact study once
and shows it in two registers:

* the body speaks the client's language: one estimate per quantity (the plan's where
  the client agreed a plan, otherwise the imputation estimator of a staggered rollout,
  for behaviour as for results), its 95% range, the currency and the period, and
  verdicts no stronger than the interval (:mod:`analysis.core.conclusions`);
* the appendix ("Methods and checks") holds the alternative estimators, the naive
  comparison, tests, p-values, the data checks and a glossary.

The notebook calls one method per section; a section the client supplied nothing for
shows nothing (its heading collapses) and is named in :meth:`TrainingReport.not_measured`.
"""

from __future__ import annotations

from analysis.studies.training_impact.appendix import TrainingAppendix
from analysis.studies.training_impact.words import (
    GLOSSARY,
    MEASURE_NAMES,
    REACTION_ITEMS,
    Section,
)

__all__ = [
    "GLOSSARY",
    "MEASURE_NAMES",
    "REACTION_ITEMS",
    "Section",
    "TrainingReport",
]


class TrainingReport(TrainingAppendix):
    """Every estimate of one client's training-impact study, shown as the client reads it.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).

    Attributes hold the tidy tables for the researcher (``comparison``, ``against``,
    ``returns``, ``by_segment``, ...), computed when first used.
    """
