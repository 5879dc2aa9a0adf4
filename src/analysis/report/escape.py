"""Client text into a report's HTML or Markdown, escaped by construction.

Titles, item texts, labels, answers, group names, display names and file names come
from files a client supplied; in a report they are text, never markup. nbconvert
does not sanitise what a notebook displays, and Markdown passes raw HTML through,
so every piece of client text that reaches HTML or Markdown goes through one of
these helpers:

* :func:`html_text` - plain text as HTML element content or an attribute value
  (``<``, ``>``, ``&`` and both quotes escaped);
* :func:`markdown_text` - plain text inside Markdown: every ASCII punctuation
  character is backslash-escaped, so no link, image, emphasis or raw HTML forms;
* :func:`heading` - a sub-heading built from client text (a display object that
  shows escaped HTML, or escaped Markdown where a front end prefers it);
* :func:`element` - one HTML element with escaped text and attribute values.

What is already :class:`markupsafe.Markup` (markup the workbench built) passes
unchanged; anything else is escaped, so forgetting to escape is not possible
through these helpers.
"""

from __future__ import annotations

import re
from typing import Literal

from markupsafe import Markup, escape

__all__ = ["Heading", "Markup", "element", "heading", "html_text", "markdown_text"]

#: ASCII punctuation: CommonMark lets a backslash make each one a literal character.
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_TAGS = frozenset({"p", "span", "strong", "em", "code", "h2", "h3", "h4", "li", "td", "th"})


def html_text(text: object) -> Markup:
    """``text`` as HTML, safe as element content and inside a quoted attribute.

    >>> str(html_text('<img src=x onerror="alert(1)">'))
    '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
    """
    return escape(text if isinstance(text, Markup) else str(text))


def markdown_text(text: object) -> str:
    r"""Write ``text`` as literal Markdown on one line: no link, image, emphasis or HTML forms.

    >>> markdown_text("[click](javascript:alert(1)) <b>")
    '\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\<b\\>'
    """
    one_line = _LINE_BREAKS.sub(" ", str(text)).strip()
    return _PUNCTUATION.sub(r"\\\1", one_line)


def element(tag: str, text: object, **attributes: object) -> Markup:
    """One HTML element holding ``text`` (escaped), with escaped attribute values.

    ``tag`` is one of a few text elements (``p``, ``span``, ``h3`` ...); attribute names
    are the workbench's own (``class_`` writes ``class``).
    """
    if tag not in _TAGS:
        raise ValueError(f"element() writes text elements only ({', '.join(sorted(_TAGS))}).")
    parts = [tag]
    for name, value in attributes.items():
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise ValueError(f"{name!r} is not an attribute name element() writes.")
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{html_text(value)}"')
    return Markup(f"<{' '.join(parts)}>{html_text(text)}</{tag}>")


class Heading:
    """A sub-heading whose text came from a client: escaped for HTML and for Markdown."""

    def __init__(self, text: object, level: Literal[2, 3, 4] = 3):
        self.text, self.level = str(text), level

    def _repr_html_(self) -> str:
        return str(element(f"h{self.level}", self.text))

    def _repr_markdown_(self) -> str:
        return f"{'#' * self.level} {markdown_text(self.text)}"

    def __repr__(self) -> str:
        """Return the heading's text as written."""
        return self.text


def heading(text: object, level: Literal[2, 3, 4] = 3) -> Heading:
    """Build a heading of client text (an instrument's title) for ``display()``."""
    return Heading(text, level)
