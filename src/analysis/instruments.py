"""Statistics of instruments defined as data: scores, item shares, agreement, misalignment, benchmarks.

The instrument types, their YAML definition and the response files are described and
checked in :mod:`analysis.contracts.instruments` (re-exported here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from analysis.contracts.instruments import (
    TYPES,
    Instrument,
    InstrumentError,
    _in_band,
    check_responses,
    load_instrument,
    load_instruments,
    load_responses,
    response_schema,
)
from analysis.core.conclusions import bound
from analysis.core.options import check_conf_level, check_min_cell_size, renamed
from analysis.core.results import TIDY_COLUMNS, FormerShape, TidyResult

__all__ = [  # the contract is re-exported: notebooks use ``ins.load_instruments`` etc.
    "TYPES",
    "ChecklistRanking",
    "Instrument",
    "InstrumentError",
    "Misalignment",
    "alignment_agreement",
    "band_summary",
    "benchmark",
    "check_responses",
    "client_aggregates",
    "describe_disagreement",
    "item_shares",
    "load_instrument",
    "load_instruments",
    "load_responses",
    "misalignment",
    "nominal_alpha",
    "rank_checklist",
    "response_schema",
    "rwg",
    "rwg_j",
    "score",
    "with_benchmark",
]

# ----------------------------------------------------------------- true/false scoring


def score(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score each respondent of a true_false instrument.

    Parameters
    ----------
    data : DataFrame
        One row per respondent (``respondent_id``), one column per item.
    instrument : Instrument
        A true_false instrument with ``scoring`` (the value counted and the bands).

    Returns
    -------
    DataFrame
        ``respondent_id, score, band``: the number of items answered
        ``scoring.count_value`` and the band it falls in.

    Examples
    --------
    With the strategic-readiness instrument, six "false" answers give the band
    "Serious work needed"; five give "Largely strategic".
    """
    if instrument.type != "true_false":
        raise InstrumentError(
            f"instrument {instrument.id} is a {instrument.type}; only true_false instruments are scored."
        )
    answers = data[instrument.item_ids]
    counts = (answers == instrument.scoring["count_value"]).sum(axis=1).astype(int)
    bands = [
        next(b["label"] for b in instrument.scoring["bands"] if _in_band(c, b)) for c in counts
    ]
    return pd.DataFrame(
        {
            "respondent_id": data["respondent_id"].to_numpy(),
            "score": counts.to_numpy(),
            "band": bands,
        }
    )


def item_shares(
    data: pd.DataFrame, instrument: Instrument, *, by: str | None = None, conf_level: float = 0.95
) -> pd.DataFrame:
    """Per item: the share answering true (true_false), ticking it (checklist) or choosing View 2 (two_views).

    Wilson intervals (:func:`analysis.survey.shares`).

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per item.
    instrument : Instrument
        The instrument answered.
    by : str, optional
        Column to give shares per group of.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``item, [by], count, n, estimate, std_error, conf_low, conf_high``.
    """
    from analysis import survey

    conf_level = check_conf_level(conf_level)
    frames = []
    for item in instrument.item_ids:
        values = data[item] == 2 if instrument.type == "two_views" else data[item].astype(bool)
        frame = data.assign(_answer=values.astype(bool))
        part = survey.shares(frame, "_answer", by=by, conf_level=conf_level).drop(columns="level")
        part.insert(0, "item", item)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


@dataclass
class ChecklistRanking(FormerShape, TidyResult):
    """Reasons of a checklist ranked by how many respondents ticked them, and by theme.

    Parameters
    ----------
    reasons : DataFrame
        ``rank, item, theme, count, n, estimate, conf_low, conf_high``.
    themes : DataFrame
        ``theme, reasons, mentions, respondents_citing, n, estimate``.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Notes
    -----
    Unpacking it as the former tuple ``(reasons, themes)`` still works, with a
    FutureWarning.
    """

    reasons: pd.DataFrame
    themes: pd.DataFrame
    conf_level: float = 0.95

    former: ClassVar[tuple[str, ...]] = ("reasons", "themes")

    def tidy(self) -> pd.DataFrame:
        """Return one row per reason (``term`` = its item id), most often ticked first."""
        table = self.reasons.rename(columns={"item": "term"}).assign(
            std_error=np.nan, p_value=np.nan
        )
        return table[[*TIDY_COLUMNS, "rank", "theme", "count"]]

    def caption(self) -> str:
        """Say what the table shows."""
        return (
            f"Share of respondents ticking each reason ({self.conf_level:.0%} confidence interval)"
        )


def rank_checklist(
    data: pd.DataFrame, instrument: Instrument, *, conf_level: float = 0.95
) -> ChecklistRanking:
    """Reasons ranked by how many respondents ticked them, and the same grouped by theme.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one 0/1 column per reason.
    instrument : Instrument
        A checklist instrument (items with themes).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    ChecklistRanking
        ``.reasons``: ``rank, item, theme, count, n, estimate, conf_low, conf_high``;
        ``.themes``: ``theme, reasons, mentions, respondents_citing, n, estimate`` where
        ``estimate`` is the share of respondents ticking at least one reason of the theme.
    """
    if instrument.type != "checklist":
        raise InstrumentError(f"instrument {instrument.id} is not a checklist.")
    shares_ = item_shares(data, instrument, conf_level=conf_level)
    theme_of = {i["id"]: i.get("theme") for i in instrument.items}
    shares_["theme"] = shares_["item"].map(theme_of)
    ranked = shares_.sort_values(["count", "item"], ascending=[False, True]).reset_index(drop=True)
    ranked.insert(0, "rank", ranked["count"].rank(method="min", ascending=False).astype(int))
    rows = []
    theme_labels: dict[Any, Any] = instrument.themes or {t: t for t in set(theme_of.values())}
    for theme, label in theme_labels.items():
        members = [i for i, t in theme_of.items() if t == theme]
        ticked = data[members].astype(bool)
        rows.append(
            {
                "theme": label,
                "reasons": len(members),
                "mentions": int(ticked.to_numpy().sum()),
                "respondents_citing": int(ticked.any(axis=1).sum()),
                "n": len(data),
                "estimate": float(ticked.any(axis=1).mean()),
            }
        )
    themes = pd.DataFrame(rows).sort_values("mentions", ascending=False).reset_index(drop=True)
    columns = ["rank", "item", "theme", "count", "n", "estimate", "conf_low", "conf_high"]
    return ChecklistRanking(ranked[columns], themes, conf_level)


# ----------------------------------------------------------------- alignment (two views)


def rwg(values: Iterable[float] | pd.Series, n_options: int = 2) -> float:
    r"""Within-group agreement on one item against a uniform (no agreement) null.

    :math:`r_{wg} = 1 - s_x^2 / \sigma_{EU}^2` with :math:`\sigma_{EU}^2 = (A^2 - 1)/12`
    for ``A`` options (0.25 for two views), ``s_x^2`` the sample variance (n - 1).
    Values below 0 (more disagreement than random answering) are truncated to 0.

    Parameters
    ----------
    values : sequence of float or Series
        The group's answers to one item (missing answers are dropped).
    n_options : int, default 2
        Number of answer options ``A``.

    Returns
    -------
    float
        :math:`r_{wg}` in [0, 1]; NaN with fewer than two answers.

    References
    ----------
    James, L. R., Demaree, R. G. and Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. J Applied Psychology 69, 85-98.
    """
    x = pd.Series(values, dtype=float).dropna()
    if len(x) < 2:
        return np.nan
    expected = (n_options**2 - 1) / 12
    return float(max(0.0, 1 - x.var(ddof=1) / expected))


def rwg_j(data: pd.DataFrame, items: list[str], n_options: int = 2) -> float:
    r"""Agreement over ``J`` items (James, Demaree and Wolf 1984, eq. for r_wg(J)).

    :math:`r_{wg(J)} = J(1 - \bar s^2/\sigma_{EU}^2) / [J(1 - \bar s^2/\sigma_{EU}^2) + \bar s^2/\sigma_{EU}^2]`
    with :math:`\bar s^2` the mean of the item variances and
    :math:`\sigma_{EU}^2 = (A^2 - 1)/12` for ``A`` options.

    When the observed variance exceeds the no-agreement variance the ratio is capped
    at 1, which gives 0 (no agreement), as R's ``multilevel::rwg.j`` does (Bliese 2016);
    otherwise the formula leaves [0, 1] for groups that disagree completely.

    Parameters
    ----------
    data : DataFrame
        One group's answers, one column per item.
    items : list of str
        The ``J`` item columns.
    n_options : int, default 2
        Number of answer options ``A``.

    Returns
    -------
    float
        :math:`r_{wg(J)}` in [0, 1].

    References
    ----------
    James, L. R., Demaree, R. G. and Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. J Applied Psychology 69, 85-98.

    Bliese, P. (2016). multilevel: Multilevel Functions. R package version 2.6.
    """
    if len(data) < 2:
        return np.nan
    mean_var = float(data[items].astype(float).var(ddof=1).mean())
    ratio = min(1.0, mean_var / ((n_options**2 - 1) / 12))
    j = len(items)
    value = j * (1 - ratio) / (j * (1 - ratio) + ratio) if (j * (1 - ratio) + ratio) else np.nan
    return float(min(1.0, max(0.0, value)))


def nominal_alpha(matrix: np.ndarray | pd.DataFrame) -> float:
    r"""Krippendorff's alpha for nominal data (rows = coders, columns = units, NaN = missing).

    :math:`\alpha = 1 - D_o / D_e`, from the maintained ``krippendorff`` package.
    Missing (NaN) when fewer than two coders or only one value occurs.

    Parameters
    ----------
    matrix : ndarray or DataFrame
        Coders in rows, units in columns, NaN where a coder gave no value.

    Returns
    -------
    float
        Alpha; NaN when there are fewer than two coders or only one value occurs.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    """
    import krippendorff

    matrix = np.asarray(matrix, dtype=float)
    values = np.unique(matrix[~np.isnan(matrix)])
    if matrix.shape[0] < 2 or len(values) < 2:
        return np.nan
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


@renamed(group="by")
def alignment_agreement(
    data: pd.DataFrame, instrument: Instrument, *, by: str = "group"
) -> pd.DataFrame:
    """Within each stakeholder group: r_wg(J) over the statements and Krippendorff's alpha.

    Alpha treats the respondents of a group as coders and the statements as units
    (nominal level; the ``krippendorff`` package). It is undefined (missing) when a
    group has fewer than two respondents or everyone gives the same answer everywhere.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per statement (1 = View 1, 2 = View 2).
    instrument : Instrument
        A two_views instrument.
    by : str, default "group"
        Column of the stakeholder group.

    Returns
    -------
    DataFrame
        ``group, n, rwg_j, krippendorff_alpha``.

    References
    ----------
    James, L. R., Demaree, R. G. and Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. J Applied Psychology 69, 85-98.

    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    """
    rows = []
    for name, part in data.groupby(by, sort=True):
        alpha = nominal_alpha(part[instrument.item_ids].to_numpy(dtype=float))
        rows.append(
            {
                "group": name,
                "n": len(part),
                "rwg_j": rwg_j(part, instrument.item_ids),
                "krippendorff_alpha": alpha,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Misalignment(FormerShape, TidyResult):
    """How differently stakeholder groups answer each statement, and one index over all.

    Parameters
    ----------
    statements : DataFrame
        ``item, test, p_value, cramers_v, spread, n``, one row per statement.
    index : float
        The mean spread (0 = every group answers alike, 1 = groups choose opposite
        views unanimously).

    Notes
    -----
    Unpacking it as the former tuple ``(statements, index)`` still works, with a
    FutureWarning.
    """

    statements: pd.DataFrame
    index: float

    former: ClassVar[tuple[str, ...]] = ("statements", "index")

    def tidy(self) -> pd.DataFrame:
        """Return one row per statement (``estimate`` = its spread), then the index."""
        rows = self.statements.rename(columns={"item": "term", "spread": "estimate"})
        overall = {"term": "misalignment_index", "estimate": self.index, "n": rows["n"].max()}
        table = pd.concat([rows, pd.DataFrame([overall])], ignore_index=True)
        table = table.assign(std_error=np.nan, conf_low=np.nan, conf_high=np.nan)
        return table[[*TIDY_COLUMNS, "test", "cramers_v"]]

    def caption(self) -> str:
        """Say what the table shows."""
        return "Spread between the groups' shares choosing View 2, per statement"


@renamed(group="by")
def misalignment(data: pd.DataFrame, instrument: Instrument, *, by: str = "group") -> Misalignment:
    r"""Between-group differences per statement, and one overall misalignment index.

    Per statement: the test of group x view (:func:`analysis.survey.crosstab_test`:
    chi-square, or Fisher's exact when expected counts are small), Cramér's V, and the
    spread (highest minus lowest group share choosing View 2).

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per statement (1 = View 1, 2 = View 2).
    instrument : Instrument
        A two_views instrument.
    by : str, default "group"
        Column of the stakeholder group.

    Returns
    -------
    Misalignment
        ``.statements``: ``item, test, p_value, cramers_v, spread, n``; ``.index``: the
        mean spread over statements (0 = every group answers alike, 1 = groups choose
        opposite views unanimously).

    Notes
    -----
    Cramér's V is :math:`\sqrt{\chi^2 / (n (\min(r, c) - 1))}` for an :math:`r \times c`
    table (Cramér 1946).

    References
    ----------
    Cramér, H. (1946). Mathematical Methods of Statistics. Princeton University Press.
    """
    from analysis import survey

    rows = []
    for item in instrument.item_ids:
        frame = data[[by, item]].dropna()
        shares_ = frame.groupby(by)[item].apply(lambda s: float((s == 2).mean()))
        try:
            test = survey.crosstab_test(frame, by, item).iloc[0]
            name, p_value, v = test["test"], test["p_value"], test["cramers_v"]
        except ValueError:  # every respondent chose the same view: nothing to test
            name, p_value, v = "none (no variation)", 1.0, 0.0
        rows.append(
            {
                "item": item,
                "test": name,
                "p_value": float(p_value),
                "cramers_v": float(v),
                "spread": float(shares_.max() - shares_.min()),
                "n": len(frame),
            }
        )
    table = pd.DataFrame(rows)
    return Misalignment(table, float(table["spread"].mean()))


@renamed(table="data")
def describe_disagreement(
    data: pd.DataFrame, instrument: Instrument, *, top: int = 2, conf_level: float = 0.95
) -> str:
    """Return a sentence naming the statements where the groups disagree most (computed).

    A statement counts when its test rejects equal views at ``1 - conf_level``.

    Parameters
    ----------
    data : DataFrame
        The per-statement table of :func:`misalignment` (``item, p_value, spread, ...``).
    instrument : Instrument
        The instrument, for the statements' labels.
    top : int, default 2
        How many statements to name at most.
    conf_level : float, default 0.95
        A statement counts when its p-value is below ``1 - conf_level``.

    Returns
    -------
    str
        The sentence; it says so when no statement differs clearly.
    """
    conf_level = check_conf_level(conf_level)
    clear = data[data["p_value"] < 1 - conf_level].sort_values("spread", ascending=False).head(top)
    if clear.empty:
        return "The stakeholder groups do not differ clearly on any statement."

    def points(spread: float) -> str:  # a difference of two shares: points, never "%" or 0
        shown = bound(100 * spread, decimals=0)
        return f"{shown} percentage point{'' if shown == '1' else 's'}"

    parts = [
        f"{instrument.label(i).lower()} ({points(s)} apart)"
        for i, s in zip(clear["item"], clear["spread"], strict=True)
    ]
    return "The stakeholder groups disagree most on " + " and ".join(parts) + "."


# ----------------------------------------------------------------- benchmarks


def client_aggregates(data: pd.DataFrame, instrument: Instrument, client_id: str) -> pd.DataFrame:
    """Per-item counts for one client (no respondent-level data): ``client_id, item, count, n``.

    Parameters
    ----------
    data : DataFrame
        One client's responses, one column per item.
    instrument : Instrument
        The instrument answered.
    client_id : str
        The client's id, written on every row.

    Returns
    -------
    DataFrame
        ``client_id, item, count, n``: per item, the answers counted as yes (View 2 for
        two_views) and the answers given.
    """
    values = {
        item: (data[item] == 2) if instrument.type == "two_views" else data[item].astype(bool)
        for item in instrument.item_ids
    }
    table = pd.DataFrame(
        [
            {"client_id": client_id, "item": item, "count": int(v.sum()), "n": int(v.notna().sum())}
            for item, v in values.items()
        ]
    )
    # The same answers under two client ids (a folder copied, a file delivered twice) are
    # one client to a benchmark: the key is the counts themselves, not the id.
    counts = table[["item", "count", "n"]].to_csv(index=False).encode()
    return table.assign(answers=hashlib.sha256(counts).hexdigest()[:16])


@renamed(aggregates="data")
def benchmark(
    data: pd.DataFrame,
    *,
    exclude_client: str,
    min_cell_size: int = 5,
    min_clients: int = 3,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Pooled share per item over all other clients, published only when it is safe.

    Parameters
    ----------
    data : DataFrame
        ``client_id, item, count, n`` for every client (:func:`client_aggregates`), and
        ``answers``, a key of the client's counts: clients with identical answers (a copied
        folder) are pooled once, and a copy of the report's own client is left out with it.
    exclude_client : str
        The client the report is for; its own numbers are left out of the benchmark.
    min_cell_size, min_clients : int
        A benchmark is shown only if it pools at least ``min_cell_size`` respondents
        from at least ``min_clients`` other clients; otherwise it is suppressed.

    Returns
    -------
    DataFrame
        ``item, count, n, clients, estimate, conf_low, conf_high, suppressed``.
    """
    from statsmodels.stats.proportion import proportion_confint

    min_cell_size = check_min_cell_size(min_cell_size)
    others = data[data["client_id"] != exclude_client]
    if "answers" in data.columns:  # identical answers count once, and never as another client
        own = set(data.loc[data["client_id"] == exclude_client, "answers"])
        others = others[~others["answers"].isin(own)].drop_duplicates(["answers", "item"])
    key = "answers" if "answers" in others.columns else "client_id"
    rows = []
    for item in dict.fromkeys(data["item"]):  # every item, suppressed where nobody else answered
        part = others[others["item"] == item]
        count, n, clients = (
            int(part["count"].sum()),
            int(part["n"].sum()),
            int(part[key].nunique()),
        )
        safe = n >= min_cell_size and clients >= min_clients
        low, high = (
            proportion_confint(count, n, alpha=1 - conf_level, method="wilson")
            if safe
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "item": item,
                "count": count if safe else np.nan,
                "n": n if safe else np.nan,
                "clients": clients,
                "estimate": count / n if safe else np.nan,
                "conf_low": low,
                "conf_high": high,
                "suppressed": not safe,
            }
        )
    return pd.DataFrame(rows)


@renamed(scores="data")
def band_summary(
    data: pd.DataFrame, instrument: Instrument, *, conf_level: float = 0.95
) -> pd.DataFrame:
    r"""Share of respondents in each scoring band, in the instrument's order (Wilson intervals).

    Parameters
    ----------
    data : DataFrame
        The scores of :func:`score` (``respondent_id, score, band``).
    instrument : Instrument
        The true_false instrument that was scored, holding the bands.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``band, description, count, n, estimate, conf_low, conf_high``.

    Notes
    -----
    The Wilson score interval of a share :math:`\hat p` of :math:`n` is
    :math:`(\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}) / (1 + z^2/n)`
    (Wilson 1927).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. J American Statistical Association 22, 209-212.
    """
    from statsmodels.stats.proportion import proportion_confint

    n = len(data)
    rows = []
    for band in instrument.scoring["bands"]:
        count = int((data["band"] == band["label"]).sum())
        low, high = (
            proportion_confint(count, n, alpha=1 - conf_level, method="wilson")
            if n
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "band": band["label"],
                "description": band.get("description", ""),
                "count": count,
                "n": n,
                "estimate": count / n if n else np.nan,
                "conf_low": low,
                "conf_high": high,
            }
        )
    return pd.DataFrame(rows)


@renamed(shares_="data")
def with_benchmark(
    data: pd.DataFrame, bench: pd.DataFrame | None, instrument: Instrument
) -> pd.DataFrame:
    """Client item shares next to the benchmark (``benchmark`` missing where suppressed or absent).

    Parameters
    ----------
    data : DataFrame
        The client's item shares (:func:`item_shares`).
    bench : DataFrame or None
        The benchmark of :func:`benchmark` (``item, estimate, suppressed``); None when
        there is none.
    instrument : Instrument
        The instrument, for the items' text.

    Returns
    -------
    DataFrame
        ``data`` with ``text``, ``benchmark`` and ``benchmark_suppressed`` columns.
    """
    out = data.copy()
    out["text"] = out["item"].map(instrument.label)
    if bench is None or bench.empty:
        out["benchmark"], out["benchmark_suppressed"] = np.nan, True
        return out
    merged = out.merge(
        bench[["item", "estimate", "suppressed"]].rename(
            columns={"estimate": "benchmark", "suppressed": "benchmark_suppressed"}
        ),
        on="item",
        how="left",
    )
    merged["benchmark_suppressed"] = merged["benchmark_suppressed"].fillna(True).astype(bool)
    return merged
