"""Write the contract tables in ``data/README.md`` from the pandera schemas (one definition).

Run ``python -m analysis.studies.docs`` after changing a schema; a test fails
while the README and the schemas disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.contracts.schemas import schema_markdown
from analysis.core import paths

__all__ = ["sections", "update"]


def sections() -> dict[str, str]:
    """Marker name -> generated Markdown table."""
    from analysis.contracts.survey import survey_schema
    from analysis.contracts.training import training_schemas

    found = {"survey": schema_markdown(survey_schema())}
    found.update(
        {f"training-{name}": schema_markdown(schema) for name, schema in training_schemas().items()}
    )
    from analysis.clients.parameter_docs import parameters_markdown
    from analysis.clients.parameters import STUDIES

    found.update({f"parameters-{study}": parameters_markdown(study) for study in STUDIES})
    from analysis.clients.plan import plan_markdown

    found["plan"] = plan_markdown()
    return found


def update(readme: Path | None = None) -> bool:
    """Rewrite every ``<!-- schema:NAME -->`` ... ``<!-- /schema:NAME -->`` block; True if the file changed."""
    readme = readme or paths.DATA_DIR / "README.md"
    text = original = readme.read_text(encoding="utf-8")
    for name, table in sections().items():
        pattern = re.compile(
            rf"(<!-- schema:{re.escape(name)} -->\n)(?:.*?\n)?(<!-- /schema:{re.escape(name)} -->)",
            re.DOTALL,
        )
        if not pattern.search(text):
            raise ValueError(
                f"{readme.name} has no block <!-- schema:{name} --> ... <!-- /schema:{name} -->."
            )

        def fill(match: re.Match[str], table: str = table) -> str:
            return match.group(1) + table + "\n" + match.group(2)

        text = pattern.sub(fill, text)
    if text != original:
        readme.write_text(text, encoding="utf-8")
    return text != original


if __name__ == "__main__":
    print("data/README.md updated" if update() else "data/README.md already up to date")
