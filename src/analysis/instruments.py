"""Instruments defined as data: strategic readiness, failure-reason checklist, two-views alignment.

An instrument is a YAML file in ``data/instruments/`` (items in plain words, source,
type, scoring and thresholds). Adding a file with a new ``id`` adds an instrument; no
Python changes. Three types are supported:

``true_false``
    statements answered true/false, scored by counting answers equal to
    ``scoring.count_value`` and banded by ``scoring.bands`` (``min``/``max`` inclusive);
``checklist``
    reasons ticked when they apply, ranked by frequency and grouped by ``themes``;
``two_views``
    statements with a View 1 and a View 2, answered by respondents in stakeholder
    ``groups``; agreement within groups and misalignment between them.

Responses are one row per respondent: ``respondent_id``, ``group`` (two_views), and one
column per item id.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.inputs.readers import DataContractError, file_lines, read_table
from analysis.options import check_conf_level, check_min_cell_size

TYPES = ("true_false", "checklist", "two_views")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class InstrumentError(DataContractError):
    """An instrument file or a response file breaks its definition; the message says how to fix it."""


@dataclass(frozen=True)
class Instrument:
    """A parsed instrument definition (see module docstring)."""

    id: str
    title: str
    type: str
    source: str
    items: list[dict[str, Any]]
    scoring: dict[str, Any] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)

    @property
    def item_ids(self) -> list[str]:
        return [item["id"] for item in self.items]

    def label(self, item_id: str) -> str:
        """Short display text of an item (its topic for two_views, else its text)."""
        item = next(i for i in self.items if i["id"] == item_id)
        return item.get("topic") or item.get("text") or item_id


def load_instrument(path: str | Path) -> Instrument:
    """Read and check an instrument YAML file.

    Raises
    ------
    InstrumentError
        Naming the file and the entry to fix: missing keys, an unknown type,
        duplicate item ids, items without text, a checklist item with an unknown theme,
        bands that do not cover the possible scores.
    """
    path = Path(path)
    where = path.name
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstrumentError(f"{path}: instrument file not found.") from None
    except yaml.YAMLError as error:
        raise InstrumentError(f"{where}: not valid YAML: {error}") from None
    if not isinstance(spec, dict):
        raise InstrumentError(f"{where}: must be a mapping with id, title, type, items.")
    missing = [k for k in ("id", "title", "type", "items") if k not in spec]
    if missing:
        raise InstrumentError(f"{where}: missing key(s) {', '.join(missing)}.")
    if spec["type"] not in TYPES:
        close = difflib.get_close_matches(str(spec["type"]), TYPES, n=1)
        raise InstrumentError(f"{where}: type {spec['type']!r} is not one of {', '.join(TYPES)}"
                              + (f"; did you mean {close[0]!r}?" if close else "."))
    items = spec["items"]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and "id" in i for i in items):
        raise InstrumentError(f"{where}: items must be a non-empty list of mappings, each with an id.")
    ids = [str(i["id"]) for i in items]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InstrumentError(f"{where}: duplicate item id(s) {duplicated}.")
    needed = ("topic", "view_1", "view_2") if spec["type"] == "two_views" else ("text",)
    for item in items:
        lacking = [k for k in needed if not str(item.get(k, "")).strip()]
        if lacking:
            raise InstrumentError(f"{where}: item {item['id']!r} lacks {', '.join(lacking)}.")
    themes = dict(spec.get("themes") or {})
    if spec["type"] == "checklist" and themes:
        unknown = [i["id"] for i in items if i.get("theme") not in themes]
        if unknown:
            raise InstrumentError(f"{where}: item(s) {unknown} have a theme not listed under themes ({', '.join(themes)}).")
    scoring = dict(spec.get("scoring") or {})
    if spec["type"] == "true_false":
        if not isinstance(scoring.get("count_value"), bool) or not scoring.get("bands"):
            raise InstrumentError(f"{where}: a true_false instrument needs scoring.count_value (true or false) and scoring.bands.")
        for score in range(len(items) + 1):
            if sum(_in_band(score, band) for band in scoring["bands"]) != 1:
                raise InstrumentError(f"{where}: scoring.bands must give exactly one band for every score 0-{len(items)}; "
                                      f"score {score} falls in {sum(_in_band(score, b) for b in scoring['bands'])}.")
    groups = [str(g) for g in spec.get("groups") or []]
    return Instrument(str(spec["id"]), str(spec["title"]), spec["type"], str(spec.get("source", "")),
                      [dict(i, id=str(i["id"])) for i in items], scoring, themes, groups)


def load_instruments(folder: str | Path) -> dict[str, Instrument]:
    """Every ``*.yml`` instrument in ``folder``, by id."""
    found = {}
    for path in sorted(Path(folder).glob("*.yml")):
        instrument = load_instrument(path)
        if instrument.id in found:
            raise InstrumentError(f"{path.name}: instrument id {instrument.id!r} is used twice in {folder}.")
        found[instrument.id] = instrument
    return found


def _in_band(score: int, band: dict) -> bool:
    return band.get("min", -np.inf) <= score <= band.get("max", np.inf)


def load_responses(path: str | Path, instrument: Instrument, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a response file (:func:`~analysis.inputs.readers.read_table`) and check it with :func:`check_responses`."""
    try:
        raw = read_table(path, encoding=encoding, dtype={"respondent_id": "string"})
    except DataContractError as error:
        raise InstrumentError(str(error)) from None
    return check_responses(raw, instrument, source=Path(path).name)


def check_responses(data: pd.DataFrame, instrument: Instrument, source: str = "responses") -> pd.DataFrame:
    """Check responses against the instrument and return them typed.

    true_false and checklist answers become booleans (true/false, yes/no, 1/0);
    two_views answers become 1 or 2 ("View 1", "view 2", 1, 2). Every problem is
    reported at once with file, column and lines.
    """
    problems = []
    data = data.copy()
    needed = ["respondent_id", *(["group"] if instrument.type == "two_views" else []), *instrument.item_ids]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        close = {c: difflib.get_close_matches(c, map(str, data.columns), n=1) for c in missing}
        hints = [f"{c} (found {close[c][0]!r}?)" if close[c] else c for c in missing]
        problems.append(f"{source}: missing column(s) {', '.join(hints)} for instrument {instrument.id}.")
    if data.empty:
        problems.append(f"{source}: no responses.")
    if "respondent_id" in data:
        dup = data["respondent_id"].duplicated(keep=False)
        if dup.any():
            problems.append(f"{source}: column respondent_id is duplicated on lines {file_lines(dup)}.")
    for item in [i for i in instrument.item_ids if i in data.columns]:
        text = data[item].astype("string").str.strip().str.lower()
        if instrument.type == "two_views":
            mapped = text.str.replace("view", "", regex=False).str.strip().map({"1": 1, "2": 2})
            allowed = "View 1 or View 2"
        else:
            mapped = text.map(lambda v: True if v in _TRUE else False if v in _FALSE else pd.NA)
            allowed = "true/false (or yes/no, 1/0)"
        bad = mapped.isna()
        if bad.any():
            problems.append(f"{source}: column {item} has {sorted(set(data.loc[bad, item].astype(str)))[:3]} on lines "
                            f"{file_lines(bad)}; allowed: {allowed}.")
        else:
            data[item] = mapped.astype(int if instrument.type == "two_views" else bool)
    if problems:
        raise InstrumentError("\n".join([f"The responses do not match instrument {instrument.id}:", *problems]))
    return data


# ----------------------------------------------------------------- true/false scoring

def score(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score each respondent of a true_false instrument.

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
        raise InstrumentError(f"instrument {instrument.id} is a {instrument.type}; only true_false instruments are scored.")
    answers = data[instrument.item_ids]
    counts = (answers == instrument.scoring["count_value"]).sum(axis=1).astype(int)
    bands = [next(b["label"] for b in instrument.scoring["bands"] if _in_band(c, b)) for c in counts]
    return pd.DataFrame({"respondent_id": data["respondent_id"].to_numpy(), "score": counts.to_numpy(), "band": bands})


def item_shares(data: pd.DataFrame, instrument: Instrument, *, by: str | None = None, conf_level: float = 0.95) -> pd.DataFrame:
    """Per item: the share answering true (true_false), ticking it (checklist) or choosing View 2 (two_views).

    Wilson intervals (:func:`analysis.survey.shares`).

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


def rank_checklist(data: pd.DataFrame, instrument: Instrument, *, conf_level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reasons ranked by how many respondents ticked them, and the same grouped by theme.

    Returns
    -------
    (DataFrame, DataFrame)
        Reasons: ``rank, item, theme, count, n, estimate, conf_low, conf_high``;
        themes: ``theme, reasons, mentions, respondents_citing, n, estimate`` where
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
    for theme, label in (instrument.themes or {t: t for t in set(theme_of.values())}).items():
        members = [i for i, t in theme_of.items() if t == theme]
        ticked = data[members].astype(bool)
        rows.append({"theme": label, "reasons": len(members), "mentions": int(ticked.to_numpy().sum()),
                     "respondents_citing": int(ticked.any(axis=1).sum()), "n": len(data),
                     "estimate": float(ticked.any(axis=1).mean())})
    themes = pd.DataFrame(rows).sort_values("mentions", ascending=False).reset_index(drop=True)
    return ranked[["rank", "item", "theme", "count", "n", "estimate", "conf_low", "conf_high"]], themes


# ----------------------------------------------------------------- alignment (two views)

def rwg(values, n_options: int = 2) -> float:
    """Within-group agreement on one item against a uniform (no agreement) null.

    :math:`r_{wg} = 1 - s_x^2 / \\sigma_{EU}^2` with :math:`\\sigma_{EU}^2 = (A^2 - 1)/12`
    for ``A`` options (0.25 for two views), ``s_x^2`` the sample variance (n - 1).
    Values below 0 (more disagreement than random answering) are truncated to 0.

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
    """Agreement over ``J`` items (James, Demaree and Wolf 1984, eq. for r_wg(J)).

    :math:`r_{wg(J)} = J(1 - \\bar s^2/\\sigma_{EU}^2) / [J(1 - \\bar s^2/\\sigma_{EU}^2) + \\bar s^2/\\sigma_{EU}^2]`
    with :math:`\\bar s^2` the mean of the item variances.
    """
    if len(data) < 2:
        return np.nan
    mean_var = float(data[items].astype(float).var(ddof=1).mean())
    ratio = mean_var / ((n_options**2 - 1) / 12)
    j = len(items)
    value = j * (1 - ratio) / (j * (1 - ratio) + ratio) if (j * (1 - ratio) + ratio) else np.nan
    return float(min(1.0, max(0.0, value)))


def nominal_alpha(matrix) -> float:
    """Krippendorff's alpha for nominal data (rows = coders, columns = units, NaN = missing).

    :math:`\\alpha = 1 - D_o / D_e`, from the maintained ``krippendorff`` package.
    Missing (NaN) when fewer than two coders or only one value occurs.

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


def alignment_agreement(data: pd.DataFrame, instrument: Instrument, *, group: str = "group") -> pd.DataFrame:
    """Within each stakeholder group: r_wg(J) over the statements and Krippendorff's alpha.

    Alpha treats the respondents of a group as coders and the statements as units
    (nominal level; the ``krippendorff`` package). It is undefined (missing) when a
    group has fewer than two respondents or everyone gives the same answer everywhere.

    Returns
    -------
    DataFrame
        ``group, n, rwg_j, krippendorff_alpha``.
    """
    rows = []
    for name, part in data.groupby(group, sort=True):
        alpha = nominal_alpha(part[instrument.item_ids].to_numpy(dtype=float))
        rows.append({"group": name, "n": len(part), "rwg_j": rwg_j(part, instrument.item_ids), "krippendorff_alpha": alpha})
    return pd.DataFrame(rows)


def misalignment(data: pd.DataFrame, instrument: Instrument, *, group: str = "group") -> tuple[pd.DataFrame, float]:
    """Between-group differences per statement, and one overall misalignment index.

    Per statement: the test of group x view (:func:`analysis.survey.crosstab_test`:
    chi-square, or Fisher's exact when expected counts are small), Cramér's V, and the
    spread (highest minus lowest group share choosing View 2).

    Returns
    -------
    (DataFrame, float)
        ``item, test, p_value, cramers_v, spread, n``; and the index: the mean spread
        over statements (0 = every group answers alike, 1 = groups choose opposite views
        unanimously).
    """
    from analysis import survey

    rows = []
    for item in instrument.item_ids:
        frame = data[[group, item]].dropna()
        shares_ = frame.groupby(group)[item].apply(lambda s: float((s == 2).mean()))
        try:
            test = survey.crosstab_test(frame, group, item).iloc[0]
            name, p_value, v = test["test"], test["p_value"], test["cramers_v"]
        except ValueError:  # every respondent chose the same view: nothing to test
            name, p_value, v = "none (no variation)", 1.0, 0.0
        rows.append({"item": item, "test": name, "p_value": float(p_value), "cramers_v": float(v),
                     "spread": float(shares_.max() - shares_.min()), "n": len(frame)})
    table = pd.DataFrame(rows)
    return table, float(table["spread"].mean())


def describe_disagreement(table: pd.DataFrame, instrument: Instrument, *, top: int = 2, alpha: float = 0.05) -> str:
    """A sentence naming the statements where the groups disagree most (computed)."""
    clear = table[table["p_value"] < alpha].sort_values("spread", ascending=False).head(top)
    if clear.empty:
        return "The stakeholder groups do not differ clearly on any statement."
    parts = [f"{instrument.label(i).lower()} ({s:.0%} apart)" for i, s in zip(clear["item"], clear["spread"])]
    return "The groups disagree most on " + " and ".join(parts) + "."


# ----------------------------------------------------------------- benchmarks

def client_aggregates(data: pd.DataFrame, instrument: Instrument, client_id: str) -> pd.DataFrame:
    """Per-item counts for one client (no respondent-level data): ``client_id, item, count, n``."""
    values = {item: (data[item] == 2) if instrument.type == "two_views" else data[item].astype(bool)
              for item in instrument.item_ids}
    return pd.DataFrame([{"client_id": client_id, "item": item, "count": int(v.sum()), "n": int(v.notna().sum())}
                         for item, v in values.items()])


def benchmark(
    aggregates: pd.DataFrame,
    *,
    exclude_client: str,
    min_cell_size: int = 5,
    min_clients: int = 3,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Pooled share per item over all other clients, published only when it is safe.

    Parameters
    ----------
    aggregates : DataFrame
        ``client_id, item, count, n`` for every client (:func:`client_aggregates`).
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
    others = aggregates[aggregates["client_id"] != exclude_client]
    rows = []
    for item, part in others.groupby("item", sort=False):
        count, n, clients = int(part["count"].sum()), int(part["n"].sum()), int(part["client_id"].nunique())
        safe = n >= min_cell_size and clients >= min_clients
        low, high = proportion_confint(count, n, alpha=1 - conf_level, method="wilson") if safe else (np.nan, np.nan)
        rows.append({"item": item, "count": count if safe else np.nan, "n": n if safe else np.nan,
                     "clients": clients, "estimate": count / n if safe else np.nan,
                     "conf_low": low, "conf_high": high, "suppressed": not safe})
    return pd.DataFrame(rows)


def band_summary(scores: pd.DataFrame, instrument: Instrument, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Share of respondents in each scoring band, in the instrument's order (Wilson intervals).

    Returns
    -------
    DataFrame
        ``band, description, count, n, estimate, conf_low, conf_high``.
    """
    from statsmodels.stats.proportion import proportion_confint

    n = len(scores)
    rows = []
    for band in instrument.scoring["bands"]:
        count = int((scores["band"] == band["label"]).sum())
        low, high = proportion_confint(count, n, alpha=1 - conf_level, method="wilson") if n else (np.nan, np.nan)
        rows.append({"band": band["label"], "description": band.get("description", ""), "count": count, "n": n,
                     "estimate": count / n if n else np.nan, "conf_low": low, "conf_high": high})
    return pd.DataFrame(rows)


def with_benchmark(shares_: pd.DataFrame, bench: pd.DataFrame | None, instrument: Instrument) -> pd.DataFrame:
    """Client item shares next to the benchmark (``benchmark`` missing where suppressed or absent)."""
    out = shares_.copy()
    out["text"] = out["item"].map(instrument.label)
    if bench is None or bench.empty:
        out["benchmark"], out["benchmark_suppressed"] = np.nan, True
        return out
    merged = out.merge(bench[["item", "estimate", "suppressed"]].rename(
        columns={"estimate": "benchmark", "suppressed": "benchmark_suppressed"}), on="item", how="left")
    merged["benchmark_suppressed"] = merged["benchmark_suppressed"].fillna(True).astype(bool)
    return merged
