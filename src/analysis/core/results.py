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
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "TIDY_COLUMNS",
    "FormerShape",
    "Headline",
    "TidyResult",
    "figure_rows",
    "interval_record",
    "result_html",
    "slug",
]

#: The columns of every tidy table, in this order (README: One vocabulary).
TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]


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


class FormerShape:
    """Keeps a result that used to be a tuple or a dict readable the former way, with a warning.

    A result class lists its former parts in :attr:`former` (in the tuple's order, or
    the dict's keys, each the name of an attribute) and sets :attr:`former_kind`.
    ``a, b = result`` (a former tuple) and ``result["key"]`` (a former dict) keep
    working and say, with a FutureWarning, which attribute to read instead.
    """

    #: attribute names of the former parts: the tuple's order, or the dict's keys
    former: ClassVar[tuple[str, ...]] = ()
    #: "tuple" or "dict": what the function used to return
    former_kind: ClassVar[str] = "tuple"

    def _warn_former(self, how: str) -> None:
        name = type(self).__name__
        parts = ", ".join(f".{p}" for p in self.former)
        warnings.warn(
            f"{how} a {name} as a {self.former_kind} is deprecated; read its attributes "
            f"({parts}) or .tidy() instead.",
            FutureWarning,
            stacklevel=3,
        )

    def __iter__(self) -> Iterator[Any]:
        """Unpack the former tuple's parts (or iterate the former dict's keys), warning."""
        self._warn_former("unpacking" if self.former_kind == "tuple" else "iterating")
        if self.former_kind == "tuple":
            return iter([getattr(self, p) for p in self.former])
        return iter([p for p in self.former if getattr(self, p) is not None])

    def __getitem__(self, key: int | str) -> Any:
        """Return a former tuple's part by position or a former dict's value by key, warning."""
        self._warn_former("indexing")
        if isinstance(key, int):
            return getattr(self, self.former[key])
        if key not in self.former or getattr(self, key) is None:
            raise KeyError(key)
        return getattr(self, key)


def figure_rows(figures: dict[str, Any], **extra: Any) -> pd.DataFrame:
    """Return single figures as tidy rows: ``term, estimate`` and empty interval columns.

    Parameters
    ----------
    figures : dict of str to number
        Each figure's slug and value; None values are left out.
    **extra : Any
        Further columns, the same on every row (``n``, ``df``, ...).

    Returns
    -------
    DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n`` and ``extra``.
    """
    rows = [
        {
            "term": name,
            "estimate": float(value),
            "std_error": math.nan,
            "conf_low": math.nan,
            "conf_high": math.nan,
            "p_value": math.nan,
            "n": extra.get("n", math.nan),
        }
        for name, value in figures.items()
        if value is not None
    ]
    table = pd.DataFrame(rows)
    for column, value in extra.items():
        table[column] = value
    return table


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


_SLUG = re.compile(r"[a-z][a-z0-9_]*")


def slug(text: str) -> str:
    """Return ``text`` as a slug: lower case, runs of other characters as one ``_``.

    Parameters
    ----------
    text : str
        Any text, e.g. a band name ("Serious work needed").

    Returns
    -------
    str
        ``serious_work_needed``; ``x`` is put before a slug that would start with a digit.
    """
    found = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"
    return found if found[0].isalpha() else f"x_{found}"


#: The fields of a headline record, in the order results.json writes them.
_HEADLINE_FIELDS = ("name", "label", "estimate", "conf_low", "conf_high", "n", "unit", "card")


@dataclass(frozen=True)
class Headline(Mapping[str, Any]):
    """One headline figure of a report: a card, a line of the index, a record of results.json.

    It reads as a mapping (``record["estimate"]``, ``{**record}``), which is what
    :func:`analysis.report.publish_summary` and results.json take.

    Parameters
    ----------
    name : str
        Slug naming the figure in results.json (``[a-z][a-z0-9_]*``, e.g. ``roi_percent``).
    label : str
        What the figure is, in the client's words.
    estimate : number or None
        The figure (None for a text record such as ``units``).
    conf_low, conf_high : float, optional
        Its interval.
    unit : str, default "number"
        How it is written: ``currency``, ``share``, ``percent``, ``ratio``, ``count``,
        ``points``, ``power``, ``text``, ...
    n : int, optional
        Observations behind it.
    card : bool, default True
        False: recorded in results.json but not shown as a card.
    extra : mapping, optional
        Further keys written with it (``currency``, ``currency_style``, ``text``, ...).

    Raises
    ------
    ValueError
        When ``name`` is not a slug, or ``extra`` repeats a field.
    """

    name: str
    label: str
    estimate: Any
    conf_low: float | None = None
    conf_high: float | None = None
    unit: str = "number"
    n: int | None = None
    card: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse a name that is not a slug, and extra keys that repeat a field."""
        if not isinstance(self.name, str) or not _SLUG.fullmatch(self.name):
            raise ValueError(
                f"headline name {self.name!r} is not a slug (lower-case letters, digits and "
                f"'_', starting with a letter); e.g. {slug(str(self.name))!r}."
            )
        repeated = sorted(set(self.extra) & {*_HEADLINE_FIELDS, "extra"})
        if repeated:
            raise ValueError(f"headline {self.name!r}: extra repeats {', '.join(repeated)}.")

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Headline:
        """Return ``record`` as a Headline (a mapping with ``name, label, estimate``).

        Parameters
        ----------
        record : mapping
            A Headline, or a mapping with at least ``name``, ``label`` and ``estimate``.

        Returns
        -------
        Headline
            The same figure, its name checked.

        Raises
        ------
        ValueError
            When a key is missing or the name is not a slug.
        """
        if isinstance(record, Headline):
            return record
        missing = {"name", "label", "estimate"} - set(record)
        if missing:
            raise ValueError(f"headline record {record!r} lacks {', '.join(sorted(missing))}.")
        known = {k: record[k] for k in _HEADLINE_FIELDS if k in record}
        rest = {k: v for k, v in record.items() if k not in _HEADLINE_FIELDS}
        return cls(**known, extra=rest)

    def as_dict(self) -> dict[str, Any]:
        """Return the record as results.json writes it (unset optional fields left out)."""
        record: dict[str, Any] = {"name": self.name, "label": self.label, "estimate": self.estimate}
        for key in ("conf_low", "conf_high", "n"):
            if getattr(self, key) is not None:
                record[key] = getattr(self, key)
        record["unit"] = self.unit
        if self.card is False:
            record["card"] = False
        record.update(self.extra)
        return record

    def __getitem__(self, key: str) -> Any:
        """Read a key as results.json has it."""
        return self.as_dict()[key]

    def __iter__(self) -> Iterator[str]:
        """Iterate the keys results.json has."""
        return iter(self.as_dict())

    def __len__(self) -> int:
        """Count the keys results.json has."""
        return len(self.as_dict())


def interval_record(name: str, label: str, row: Any, unit: str, *, n: bool = True) -> Headline:
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
    Headline
        ``name, label, estimate, conf_low, conf_high, unit`` (and ``n``).
    """
    return Headline(
        name=name,
        label=label,
        estimate=row["estimate"],
        conf_low=row["conf_low"],
        conf_high=row["conf_high"],
        unit=unit,
        n=row["n"] if n else None,
    )
