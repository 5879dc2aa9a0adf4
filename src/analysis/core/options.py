"""Typed options, checked once.

Option sets are ``Literal`` types; :func:`check_option` turns a bad value into a
``ValueError`` that lists the allowed values.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast, get_args

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "PERMUTATION_RESAMPLES",
    "SEED",
    "SIMULATION_DRAWS",
    "WILD_BOOTSTRAP_RESAMPLES",
    "ShareMethod",
    "check_conf_level",
    "check_min_cell_size",
    "check_option",
    "renamed",
]

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

    Returns
    -------
    Any
        ``value``.

    Raises
    ------
    ValueError
        When ``value`` is not allowed; the message lists the allowed values and the
        closest one.
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
    """Check that a confidence level lies strictly between 0 and 1.

    Parameters
    ----------
    conf_level : float
        The confidence level given.

    Returns
    -------
    float
        ``conf_level`` as a float.

    Raises
    ------
    ValueError
        When it is not a number strictly between 0 and 1 (95 is suggested as 0.95).
    """
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        raise ValueError(f"conf_level={conf_level!r} must be a number such as 0.95.") from None
    if not 0 < level < 1:
        scale = f" (did you mean {level / 100:g}?)" if 1 < level < 100 else ""
        raise ValueError(
            f"conf_level={conf_level!r} must lie strictly between 0 and 1, e.g. 0.95{scale}."
        )
    return level


def check_min_cell_size(min_cell_size: int) -> int:
    """Check the small-cell suppression threshold (a positive integer).

    Parameters
    ----------
    min_cell_size : int
        The threshold given.

    Returns
    -------
    int
        ``min_cell_size``.

    Raises
    ------
    ValueError
        When it is not a positive whole number.
    """
    if isinstance(min_cell_size, bool) or not isinstance(min_cell_size, int) or min_cell_size < 1:
        raise ValueError(
            f"min_cell_size={min_cell_size!r} must be a positive whole number, e.g. 5."
        )
    return min_cell_size


#: The default seed of every resampling method (bootstrap, permutation, simulation).
SEED = 12345

# One default of ``n_resamples`` per kind of resampling (README: "One vocabulary").
#: Wild cluster bootstrap: each draw is a matrix product, and p-values near 0.05 need a
#: fine grid (Davidson and MacKinnon 2000 recommend 9,999, so that alpha * (B + 1) is whole).
WILD_BOOTSTRAP_RESAMPLES = 9999
#: Monte Carlo permutation tests (random tables with the observed margins): cheap draws,
#: and the same fine p-value grid as the wild bootstrap.
PERMUTATION_RESAMPLES = 9999
#: Cluster (pairs) bootstrap that re-estimates the model on every resample: each draw costs
#: a fit, and the interval it gives is a percentile interval that the reported one only widens.
BOOTSTRAP_RESAMPLES = 200
#: Parametric simulation draws (simulated rollouts of a planned design, mediation's
#: quasi-Bayesian draws): each draw is a whole simulated estimate, and 1,000 give a
#: share's Monte Carlo error under 1.6 percentage points.
SIMULATION_DRAWS = 1000


_F = TypeVar("_F", bound=Callable[..., Any])


def renamed(**old_to_new: str) -> Callable[[_F], _F]:
    """Accept a keyword's former name, with a FutureWarning naming the new one.

    The public API uses one vocabulary (``by``, ``treatment``, ``covariates``,
    ``n_resamples``, ``seed``, ``conf_level``; see README: API conventions). Calls
    written with an older name keep working for a while and say what to write instead.

    Parameters
    ----------
    **old_to_new : str
        Each former keyword and the keyword it is now.

    Returns
    -------
    callable
        A decorator for the function that takes the new keywords.
    """
    import functools
    import warnings

    def wrap(func: _F) -> _F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old}= and {new}=; use {new}=."
                        )
                    warnings.warn(
                        f"{func.__name__}({old}=...) is now {func.__name__}({new}=...).",
                        FutureWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return cast("_F", inner)

    return wrap
