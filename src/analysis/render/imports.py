"""Import-time settings of the processes that render reports (the command and its workers).

Kept free of heavy imports so that the command can apply them first.
"""

from __future__ import annotations

__all__ = ["skip_iri_format_checker"]


def skip_iri_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in the rendering processes.

    jsonschema (imported by nbformat) loads ``rfc3987_syntax`` when it is installed
    (jupyter-events asks for ``jsonschema[format-nongpl]``) to check the "iri" string
    format, and that package compiles 38 lark grammars at import: 2.4 s in every
    process that reads a notebook, about 10% of a 20-report batch on 2 cores
    (``benchmarks/bench_render.py``; upstream: python-jsonschema/jsonschema#1428).
    The notebook schema has no "iri" field, so the batch loses nothing: jsonschema
    treats the module as not installed, as it is designed to. Only the ``workbench``
    command and its workers call this, never a notebook's kernel.
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: not installed
