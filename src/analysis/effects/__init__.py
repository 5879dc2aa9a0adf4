"""Effects of training on outcomes: regression estimators that isolate the effect.

One module per concern:

- :mod:`~analysis.effects.estimate`: :func:`estimate`, a cross-section OLS, or unit /
  two-way fixed effects on a rep-period panel, with the fixed effects absorbed
  (pyfixest's alternating projections, so 100,000 reps never become 100,000 dummy
  columns);
- :mod:`~analysis.effects.staggered`: staggered rollouts (:func:`event_study`,
  :func:`staggered_att`, :func:`imputation_att_point`) and their checks;
- :mod:`~analysis.effects.segments`: :func:`segment_effects` (the headline's imputation
  estimate by segment, a :class:`SegmentEffects`; :func:`effects_by_segment` is its
  former two-way fixed-effects version);
- :mod:`~analysis.effects.compare`: the naive comparison beside the isolated
  effect, and the sentences that explain it;
- :mod:`~analysis.effects.tidy`: tidy rows, Wald tests and notes from pyfixest fits;
- :mod:`~analysis.effects.did2s`: the one wrapper around pyfixest internals.
- :mod:`~analysis.effects.wild_bootstrap`: the restricted wild cluster bootstrap that
  :func:`estimate` and :func:`staggered_att` use for their p-values and intervals when
  few clusters hold treated rows.

Every result answers ``tidy()`` with the columns
``term, estimate, std_error, conf_low, conf_high, p_value, n``.
"""

from analysis.contracts.columns import missing_values_note
from analysis.contracts.periods import period_index, time_order
from analysis.effects.compare import (
    compare_estimators,
    explain_comparison,
    headline_records,
    isolated_term,
    naive_comparison,
)
from analysis.effects.estimate import (
    MIN_CLUSTERS,
    EffectDataError,
    EffectResult,
    Vcov,
    estimate,
)
from analysis.effects.panel import add_lags
from analysis.effects.segments import SegmentEffects, effects_by_segment, segment_effects
from analysis.effects.staggered import (
    EventStudyResult,
    check_absorbing,
    event_study,
    first_treated_index,
    imputation_att_point,
    staggered_att,
)
from analysis.effects.tidy import TIDY_COLUMNS

__all__ = [
    "MIN_CLUSTERS",
    "TIDY_COLUMNS",
    "EffectDataError",
    "EffectResult",
    "EventStudyResult",
    "SegmentEffects",
    "Vcov",
    "add_lags",
    "check_absorbing",
    "compare_estimators",
    "effects_by_segment",
    "estimate",
    "event_study",
    "explain_comparison",
    "first_treated_index",
    "headline_records",
    "imputation_att_point",
    "isolated_term",
    "missing_values_note",
    "naive_comparison",
    "period_index",
    "segment_effects",
    "staggered_att",
    "time_order",
]
