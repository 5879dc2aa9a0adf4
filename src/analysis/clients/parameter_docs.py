"""Documentation written from the parameter models.

The notebooks' parameters cells, the tables in data/README.md and the client.yml scaffold of ``workbench new-client``.

``python -m analysis.clients.parameters`` rewrites the parameters cells; a test fails
when a notebook drifts from its model.
"""

from __future__ import annotations

from typing import Any

from analysis.clients.parameters import FILE, FILES, FOLDER, STUDIES, kind
from analysis.core import paths

__all__ = ["parameters_cell", "parameters_markdown", "scaffold_lines", "write_parameters_cells"]


def _literal(value: Any) -> str:
    return repr(value) if not isinstance(value, bool) else str(value)


def parameters_cell(study: str) -> str:
    """Return the notebook's ``parameters`` cell, written from the study's model."""
    model = STUDIES[study]
    lines = [
        "# Parameters: written from analysis.clients.parameters (python -m analysis.clients.parameters).",
        "# client_id alone loads that client's client.yml. None below means: as in client.yml,",
        "# else the default shown; any other value set here overrides client.yml.",
        "client_id = None  # a folder in data/clients; None: the example client",
    ]
    for name, field in model.model_fields.items():
        default = "" if field.default is None else f" (default {_literal(field.default)})"
        lines.append(f"{name} = None  # {field.description}{default}")
    return "\n".join(lines)


def parameters_markdown(study: str) -> str:
    """Return the study's parameters as a Markdown table for data/README.md."""
    model = STUDIES[study]
    schema = model.model_json_schema()["properties"]
    rows = ["| parameter | type | default | unit | meaning |", "| --- | --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind_ = extra.get("kind")
        shown_type = {
            FILE: "file in the client's folder",
            FILES: "mapping of files",
            FOLDER: "folder in the client's folder",
        }.get(str(kind_), _type_name(schema[name]))
        rows.append(
            f"| `{name}` | {shown_type} | `{_literal(field.default)}` "
            f"| {extra.get('unit') or ''} | {field.description} |"
        )
    return "\n".join(rows)


def _type_name(schema: dict[str, Any]) -> str:
    """Return a plain type name from a field's JSON schema (``model_json_schema``)."""
    if "anyOf" in schema:
        return " or ".join(_type_name(part) for part in schema["anyOf"])
    kind_ = schema.get("type", "any")
    if kind_ == "array":
        return f"list of {_type_name(schema.get('items', {}))}s"
    if kind_ == "object":
        return "mapping"
    return {
        "string": "text",
        "number": "number",
        "integer": "whole number",
        "boolean": "true/false",
        "null": "null",
    }.get(kind_, kind_)


def scaffold_lines(study: str) -> str:
    """Return the ``data:`` and ``parameters:`` blocks of a study in a new client.yml, with the help as comments."""
    model = STUDIES[study]
    import json

    data, params = [], []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        example = extra.get("example")
        if kind(model, name) == FILES:
            data.append(f"      {name}:  # {field.description}")
            listed = example if isinstance(example, dict) else {}
            data += [f"        {key}: {value}" for key, value in listed.items()]
        elif kind(model, name) == FOLDER:
            data.append(f"      # {name}: {example}  # {field.description}")
        elif kind(model, name):
            data.append(f"      {name}: {example}  # {field.description}")
        else:
            params.append(
                f"      # {name}: {json.dumps(example)}  # {field.description} (default {json.dumps(field.default)})"
            )
    return "    data:\n" + "\n".join(data) + "\n    parameters:\n" + "\n".join(params) + "\n"


def write_parameters_cells() -> None:
    """Rewrite each study notebook's ``parameters`` cell from its model (when it drifted)."""
    import nbformat

    for name in STUDIES:
        notebook = paths.NOTEBOOKS_DIR / f"{name}.ipynb"
        nb = nbformat.read(notebook, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        if cell.source != parameters_cell(name):
            cell.source = parameters_cell(name)
            nbformat.write(nb, notebook)
            print(f"{notebook.name}: parameters cell rewritten")
