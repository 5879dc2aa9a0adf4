"""Gardner's two-stage estimator through pyfixest's ``did2s``, keeping single-period reps.

This module is the one place that reaches into pyfixest's internals, and why:
``pyfixest.did2s`` (0.60.0, the current release) fits its first stage with feols'
default ``fixef_rm="singleton"``. A rep observed untrained in a single period is then
dropped from the first stage, its effect cannot be imputed, and the variance step
fails on arrays of different lengths. The imputation estimator keeps such reps
(Borusyak, Jaravel and Spiess 2024), so the first stage here keeps singletons,
matching :func:`analysis.effects.imputation_att_point`. The test
``test_pyfixest_did2s_still_drops_single_period_reps`` fails once a pyfixest release
fixes this, and then this wrapper can go.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

import pandas as pd

_LOCK = threading.Lock()  # the first stage's feols is swapped for the duration of one call


def did2s_keeping_singletons(
    frame: pd.DataFrame, *, second_stage: str, weights: str | None = None
) -> Any:
    """``pyfixest.did2s`` on a frame with columns ``y, unit, t, treated``, clustered by unit.

    Tested on Wooldridge's jtrain (19 firms are observed untrained once) against the
    point estimate of :func:`analysis.effects.imputation_att_point`.
    """
    import pyfixest as pf

    # the module: pyfixest.did.did2s is also the name of a function
    stages: Any = importlib.import_module("pyfixest.did.did2s")
    library_feols = stages.feols

    def feols_keeping_singletons(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("fixef_rm", "none")
        return library_feols(*args, **kwargs)

    with _LOCK:
        stages.feols = feols_keeping_singletons
        try:
            return pf.did2s(
                frame,
                yname="y",
                first_stage="~ 0 | unit + t",
                second_stage=second_stage,
                treatment="treated",
                cluster="unit",
                weights=weights,
            )
        finally:
            stages.feols = library_feols
