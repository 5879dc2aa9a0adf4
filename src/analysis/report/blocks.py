"""A report section as one display object: paragraphs, sub-headings, tables and figures.

A study builds each section of its report as a :class:`Section`; the notebook shows it
with one call. A section with nothing in it shows nothing at all, so the report drops
its heading (a section the client supplied nothing for, see
:func:`analysis.report.display.not_measured`). Text given to :func:`paragraph` and
:func:`subheading` is plain text and is escaped: client text never becomes markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from analysis.core import formats

__all__ = ["Section", "checks_and_glossary", "paragraph", "subheading"]


class Section:
    """Display objects shown together as one output (nothing when empty)."""

    def __init__(self, *parts: Any):
        self.parts = [part for part in parts if part is not None]

    def add(self, *parts: Any) -> Section:
        """Append parts (None is skipped); returns the section."""
        self.parts += [part for part in parts if part is not None]
        return self

    def __bool__(self) -> bool:
        """Return whether the section holds any part."""
        return bool(self.parts)

    def _repr_html_(self) -> str | None:
        if not self.parts:
            return None
        return "".join(_html(part) for part in self.parts)

    def __repr__(self) -> str:
        """Return the parts' plain-text forms, one per line."""
        return "\n".join(repr(part) for part in self.parts)

    def _ipython_display_(self) -> None:
        """One HTML output; an empty section shows nothing, so its heading collapses."""
        if not self.parts:
            return
        from IPython.display import HTML, display

        display(HTML(self._repr_html_()))


def _html(part: Any) -> str:
    if isinstance(part, str):
        return part
    if hasattr(part, "to_html"):
        return part.to_html()
    return part._repr_html_() or ""


def paragraph(text: str) -> str:
    """Build a paragraph of plain text (escaped, with real minus signs)."""
    return f"<p>{html.escape(formats.minus_signs(text))}</p>"


def subheading(text: str) -> str:
    """Build a level-3 heading of plain text (escaped)."""
    return f"<h3>{html.escape(text)}</h3>"


def checks_and_glossary(
    warnings: Iterable[str], skipped: Iterable[str], terms: Mapping[str, str]
) -> list[Any]:
    """Build the end of every appendix.

    It holds the data checks, the sections left out (with why), and the glossary of the
    statistical terms the appendix uses.

    Parameters
    ----------
    warnings : iterable of str
        The study's data checks (already plain sentences).
    skipped : iterable of str
        Why each section left out was left out.
    terms : mapping
        Term -> its meaning in plain words.

    Returns
    -------
    list
        Display parts to add to a :class:`Section`.
    """
    from analysis.report.display import glossary, notes

    checks = [*warnings, *(f"Left out: {reason}" for reason in skipped)]
    parts: list[Any] = []
    if checks:
        parts += [subheading("Data checks and sections left out"), notes(checks)]
    return [*parts, subheading("Glossary"), glossary(terms)]
