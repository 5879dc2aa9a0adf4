"""Effects within segments (team, tenure band, ...) and a test that they differ."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.contracts.columns import check_numeric, require_columns
from analysis.core.options import check_conf_level, renamed
from analysis.effects.estimate import EffectDataError
from analysis.effects.tidy import captured_notes, emit, selector, tidy_fit, wald_f

__all__ = ["effects_by_segment"]


@renamed(segment="by")
def effects_by_segment(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    by: str,
    unit: str,
    time: str,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Two-way fixed-effects estimates of the treatment effect within each segment, and a test that they differ.

    One regression with the treatment interacted with segment indicators (unit and
    period effects absorbed, errors clustered by unit, or by ``cluster``, e.g. an office
    whose reps share shocks: the test of equal effects then refers F to G - 1 cluster
    degrees of freedom as well).

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, treatment : str
        Columns of the outcome and of the treatment (0/1).
    by : str
        Column of the segment (constant within a unit).
    unit, time : str
        Columns of the unit and the period.
    cluster : str, optional
        Column to cluster the errors by (the unit otherwise).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    (DataFrame, DataFrame)
        Effects: ``term`` (segment), ``estimate, std_error, conf_low, conf_high,
        p_value, n, n_units`` (rep-periods and reps in the segment); and the Wald F-test that
        all segment effects are equal (``statistic, df, p_value``).

    Notes
    -----
    The test of equal effects is the Wald F of :func:`analysis.effects.tidy.wald_f`:
    :math:`F = (Rb)^\top (R V R^\top)^{-1} (Rb) / m` on :math:`F(m, G - 1)`.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50, 317-372.
    """
    import pyfixest as pf

    conf_level = check_conf_level(conf_level)
    needed = (outcome, treatment, by, unit, time, *([cluster] if cluster else []))
    require_columns(data, needed, error=EffectDataError)
    frame = pd.DataFrame(
        {
            "y": check_numeric(data, outcome, "outcome"),
            "d": check_numeric(data, treatment, "treatment"),
            "unit": pd.factorize(data[unit])[0],
            "t": pd.factorize(data[time])[0],  # order not needed
            "seg": data[by].astype(object),
            "g": pd.factorize(data[cluster if cluster else unit])[0],
        }
    )
    frame = frame[
        frame.notna().all(axis=1) & (frame["unit"] >= 0) & (frame["t"] >= 0) & (frame["g"] >= 0)
    ]  # factorize codes NaN as -1
    if len(frame) < len(data):
        warnings.warn(
            f"{len(data) - len(frame)} of {len(data)} rows were left out of the segment effects for a missing "
            f"{outcome}, {treatment}, {by}, {unit} or {time}.",
            UserWarning,
            stacklevel=2,
        )
    levels = sorted(frame["seg"].unique())
    if len(levels) < 2:
        raise EffectDataError(
            f"segment {by!r} has a single level in the data used; nothing to compare."
        )
    columns = []
    for i, level in enumerate(levels):
        frame[f"d_{i}"] = frame["d"] * (frame["seg"] == level)
        if frame.loc[frame["seg"] == level, "d"].nunique() < 2:
            raise EffectDataError(
                f"segment {level!r} has no treated (or no untreated) rep-periods; its effect is not estimable."
            )
        columns.append(f"d_{i}")
    notes: list[str] = []
    with captured_notes(notes):
        fit = pf.feols(
            f"y ~ {' + '.join(columns)} | unit + t",
            data=frame,
            vcov={"CRV1": "g"},
            fixef_rm="none",
        )
    emit(notes)
    in_segment = {c: frame["seg"] == level for level, c in zip(levels, columns, strict=True)}
    effects = tidy_fit(
        fit,
        dict(zip(columns, levels, strict=True)),
        conf_level=conf_level,
        n={c: int(mask.sum()) for c, mask in in_segment.items()},
        extra={
            c: {"n_units": int(frame.loc[mask, "unit"].nunique())} for c, mask in in_segment.items()
        },
    )
    # equal effects: differences from the first segment are all zero
    contrast = np.zeros((len(columns) - 1, len(columns)))
    contrast[:, 0] = 1
    contrast[np.arange(len(columns) - 1), np.arange(1, len(columns))] = -1
    wald, df, p_value = wald_f(
        fit, contrast @ selector(fit.coef().index, columns), n_clusters=int(frame["g"].nunique())
    )
    test = pd.DataFrame(
        [
            {
                "test": "equal effects across segments",
                "statistic": wald,
                "df": df,
                "p_value": p_value,
                "n": len(frame),
            }
        ]
    )
    return effects, test
