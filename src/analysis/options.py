"""Typed options, checked once.

Option sets are ``Literal`` types; :func:`check_option` turns a bad value into a
``ValueError`` that lists the allowed values.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal, get_args

ShareMethod = Literal["wilson", "beta", "agresti_coull", "normal"]


def check_option(name: str, value: Any, allowed: Any) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise a helpful ValueError.

    Parameters
    ----------
    name : str
        Argument name, used in the message.
    value : Any
        The value passed by the user.
    allowed : Literal type or iterable
        A ``Literal[...]`` type or an iterable of allowed values.
    """
    choices = get_args(allowed) or tuple(allowed)
    if value in choices:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [str(c) for c in choices], n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    raise ValueError(
        f"{name}={value!r} is not allowed; use one of {', '.join(map(repr, choices))}.{hint}"
    )


def check_conf_level(conf_level: float) -> float:
    """Check that a confidence level lies strictly between 0 and 1."""
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        raise ValueError(f"conf_level={conf_level!r} must be a number such as 0.95.") from None
    if not 0 < level < 1:
        raise ValueError(f"conf_level={conf_level!r} must lie strictly between 0 and 1, e.g. 0.95.")
    return level


def check_min_cell_size(min_cell_size: int) -> int:
    """Check the small-cell suppression threshold (a positive integer)."""
    if isinstance(min_cell_size, bool) or not isinstance(min_cell_size, int) or min_cell_size < 1:
        raise ValueError(
            f"min_cell_size={min_cell_size!r} must be a positive whole number, e.g. 5."
        )
    return min_cell_size
