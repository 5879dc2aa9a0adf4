"""One family of input errors, understood by the notebook display and the CLI.

Every problem with what a client supplied (client.yml, a data file, a parameter) is
an :class:`InputError`. It carries one message per problem, each naming the file,
the column, the rows and the fix, so ``workbench validate``, the notebook's error
display and ``workbench render`` can all show the same lines. Anything else raised
while a report runs is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ConfigError", "DataError", "InputError"]


class InputError(ValueError):
    """A problem with a client's configuration or data; the message says how to fix it.

    Parameters
    ----------
    problems : str or iterable of str
        One line per problem. The first line may be a heading ending in ``:``.
    file, column : str, optional
        The file and column the (single) problem is in, when known.
    rows : iterable of int, optional
        File line numbers (header = line 1) of the rows concerned.
    """

    def __init__(
        self,
        problems: str | Iterable[str],
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Iterable[int] | None = None,
    ):
        lines = [problems] if isinstance(problems, str) else [str(p) for p in problems]
        text = "\n".join(lines)
        super().__init__(text)
        self.file, self.column = file, column
        self.rows = list(rows) if rows is not None else []

    @property
    def problems(self) -> list[str]:
        """One message per problem, without a heading line."""
        lines = [line for line in str(self).splitlines() if line.strip()]
        if len(lines) > 1 and lines[0].endswith(":"):
            lines = lines[1:]
        return lines


class ConfigError(InputError):
    """client.yml (or a parameter set in a notebook) is unusable; the message says what to change."""


class DataError(InputError):
    """The data cannot support the requested analysis; the message names the column, rows and fix.

    Raised by the estimators (``effects``, ``survey``, ``practice_models``, ...) on a data
    frame; file-level problems are :class:`analysis.contracts.readers.DataContractError`.
    Both are :class:`InputError`, so notebooks and the CLI show them the same way.
    """
