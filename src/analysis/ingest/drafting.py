"""Draft a codebook from a client's raw files, for the user to review before `workbench import`.

:func:`draft_codebook` reads each raw file the way the importer will
(:mod:`analysis.ingest.spreadsheets`), then writes a commented ``codebook.yml``:

* the format (Qualtrics's three header rows, another CSV, each Excel sheet, Parquet),
  the header row and the title, totals and notes rows it found;
* which contract table the file (or sheet) feeds, and for each raw column the
  contract column it most likely maps to, by name, by question wording and by the
  values, with a confidence; columns left unmapped are listed;
* value codes (1-4 -> the effectiveness levels), "Selected Choice" multi-selects,
  per-option columns where a blank means "not selected";
* numbers written as text (and their decimal mark, or a CHECK where it is
  ambiguous) and date columns with their format.

Every line that needs a human decision carries ``# CHECK``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.contracts.numbers import NumberFormatError, looks_formatted, parse_numbers
from analysis.contracts.readers import DataContractError, inside
from analysis.contracts.survey import DISPLAY_NAMES, NOMINAL, ORDERED, survey_schema
from analysis.contracts.training import training_schemas
from analysis.ingest import spreadsheets
from analysis.ingest.sources import split_answers


class _NoAliases(yaml.SafeDumper):
    """Writes a value used twice in full: codebook.yml is read without anchors and aliases."""

    def ignore_aliases(self, data):
        return True


__all__ = [
    "EXTRA",
    "QUALTRICS_META",
    "QUESTION_WORDS",
    "STOP",
    "SYNONYMS",
    "contract_columns",
    "draft_codebook",
    "draft_table",
    "match_column",
]

#: Other names clients give contract columns (normalised: lower case, words joined by _).
SYNONYMS = {
    "rep_id": (
        "rep",
        "rep_id",
        "seller_id",
        "employee_id",
        "sales_rep",
        "rep_code",
        "employee",
        "seller",
        "employee_no",
        "employee_number",
        "emp_id",
        "sales_rep_id",
        "user_id",
        "mitarbeiter",
        "mitarbeiter_id",
        "verkaeufer",
        "verkaeufer_id",
        "verkaufer",
        "verkaufer_id",
        "personalnummer",
    ),
    "respondent_id": ("responseid", "response_id", "respondent", "id"),
    "period": (
        "month",
        "period",
        "date",
        "reporting_month",
        "monat",
        "fiscal_month",
        "month_year",
        "zeitraum",
        "periode",
    ),
    "training_start": (
        "trained",
        "training_date",
        "start",
        "training_month",
        "trained_in",
        "cohort_start",
        "training_completed",
        "training_completed_date",
        "enablement_completed_date",
        "enablement_date",
        "completion_date",
        "schulungsbeginn",
        "schulung",
        "trainingsbeginn",
    ),
    "revenue": (
        "revenue",
        "bookings",
        "sales",
        "net_sales",
        "umsatz",
        "closed_won",
        "closed_won_amount",
        "won_amount",
        "booked_revenue",
        "net_revenue",
    ),
    "team": (
        "team",
        "region",
        "territory",
        "area",
        "sales_region",
        "sales_team",
        "region_name",
        "gebiet",
        "vertriebsgebiet",
    ),
    "meetings": ("meetings", "appointments", "customer_meetings"),
    "opportunities": ("opportunities", "opps", "opportunities_created"),
    "wins": ("wins", "won", "deals_won", "won_deals", "closed_won_count"),
    "amount": ("amount", "cost", "costs", "value", "total", "betrag", "kosten"),
    "item": ("item", "cost_item", "description", "line_item", "posten", "kostenart", "position"),
    "call_score": ("call_score", "call_review_score", "call_quality"),
}
#: Question wording -> survey column.
QUESTION_WORDS = {
    "industry": "industry",
    "effective": "effectiveness",
    "customized": "solution_type",
    "off-the-shelf": "solution_type",
    "senior sales leadership": "leadership_meetings",
    "how often": "leadership_meetings",
    "initiative": "top_initiative",
    "how many sellers": "size_band",
    "weight": "weight",
}
EXTRA = {"reps": ("team", "tenure_band", "market_segment")}


def _norm(text: object) -> str:
    """Lower case, accents folded (Verkäufer-ID -> verkaufer_id), runs of other characters as _."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", plain).strip("_")


def contract_columns() -> dict[str, list[str]]:
    """Contract table -> its columns (the survey and the training-impact tables)."""
    tables = {"survey": list(survey_schema().columns)}
    for name, schema in training_schemas().items():
        tables[name] = [*schema.columns, *EXTRA.get(name, ())]
    return tables


def match_column(raw: str, columns: list[str], question: str = "") -> tuple[str | None, float]:
    """The contract column ``raw`` most likely is, with a confidence from 0 to 1."""
    name = _norm(raw)
    if name in columns:
        return name, 1.0
    for column in columns:
        if name in SYNONYMS.get(column, ()):
            return column, 0.9
    text = question.casefold()
    for words, column in QUESTION_WORDS.items():
        if text and words in text and column in columns:
            return column, 0.8
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.75)
    if close:
        return close[0], round(difflib.SequenceMatcher(None, name, close[0]).ratio(), 2)
    return None, 0.0


STOP = {"and", "the", "with", "for", "tool", "align", "sustain"}


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", text.casefold()) if len(w) > 2 and w not in STOP}


def _option_column(option: str) -> tuple[str | None, float]:
    """The practice column a multi-select option's text names: by its display name, else
    by the word stems it shares with the display name and the column name."""
    names = {_norm(text): column for column, text in DISPLAY_NAMES.items()}
    key = _norm(option)
    if key in names:
        return names[key], 1.0
    mine = _stems(option)
    scores = {
        column: len(mine & (_stems(text) | _stems(column.replace("_", " ")))) / max(len(mine), 1)
        for column, text in DISPLAY_NAMES.items()
    }
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] >= 0.5 and ranked[0] > ranked[1]:
        return max(scores, key=lambda c: scores[c]), round(0.6 + 0.3 * ranked[0], 2)
    return None, 0.0


def _read(path: Path, sheet: Any) -> tuple[pd.DataFrame, dict, dict[str, str], str]:
    """The table, its layout, the question texts (Qualtrics) and the format name."""
    kind = spreadsheets.sniff(path)
    spreadsheets.refuse_unreadable(path, kind)
    if kind == "parquet":
        return pd.read_parquet(path), {}, {}, "parquet"
    encoding = _text_encoding(path) if kind == "text" else "utf-8"
    if kind in ("text", "gzip"):
        from analysis.ingest.codebook import CodebookError, read_qualtrics

        try:
            frame, texts = read_qualtrics(path, encoding=encoding)
            layout = {"header_row": 1, "encoding": encoding}
            return frame, layout, texts, "qualtrics"
        except CodebookError:
            pass  # not a Qualtrics export
    rows, grid_kind = spreadsheets.read_grid(path, sheet=sheet, encoding=encoding)
    frame, layout = spreadsheets.table_from_grid(rows, name=path.name)
    layout["encoding"] = encoding
    return spreadsheets.settle_types(frame), layout, {}, grid_kind


def _text_encoding(path: Path) -> str:
    """UTF-8 when the file decodes as UTF-8 (with or without a byte-order mark, or UTF-16
    with one); else cp1252, the Windows encoding that older Excel versions save CSVs in
    (every byte decodes, so accented names are the thing to check after the import)."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-8"  # UTF-16 with a byte-order mark: the readers detect it
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _table_for(frame: pd.DataFrame, texts: dict[str, str], tables: dict[str, list[str]]) -> str:
    """The contract table whose columns the raw columns match best: the summed confidence
    of the matches, then the share of the table's required columns found."""
    from analysis.contracts.training import REQUIRED

    required = {**REQUIRED, "survey": ("respondent_id", "effectiveness")}

    def score(table: str) -> tuple[float, float]:
        found = {
            match_column(
                c, tables[table], texts.get(str(c), "") or (str(c) if " " in str(c) else "")
            )
            for c in frame.columns
        }
        hits = {column for column, _ in found if column}
        need = required.get(table, ())
        return sum(p for _, p in found), len(hits & set(need)) / max(len(need), 1)

    best = max(tables, key=score)
    return best if score(best)[0] > 0 else "CHECK_table"


#: Columns every Qualtrics export carries about the response, not about the questions.
QUALTRICS_META = {
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
}


def draft_table(
    frame: pd.DataFrame, texts: dict[str, str], columns: list[str]
) -> tuple[dict, list[str]]:
    """Codebook rules for one table and the review notes (``CHECK`` lines)."""
    spec: dict[str, Any] = {}
    notes: list[str] = []
    rename: dict[str, str] = {}
    taken: set[str] = set()
    if texts:  # Qualtrics: previews and unfinished responses are not data
        drop = [{"column": "Status", "equals": "Survey Preview"}] if "Status" in frame else []
        drop += [{"column": "Finished", "equals": "0"}] if "Finished" in frame else []
        if drop:
            spec["drop_rows"] = drop
    for raw in frame.columns:
        if texts and raw in QUALTRICS_META:
            continue
        values = frame[raw].dropna().astype(str).str.strip()
        values = values[values != ""]
        question = texts.get(str(raw), "") or (str(raw) if " " in str(raw) else "")
        if "Selected Choice" in question or (
            values.str.contains(",").mean() > 0.3 and not looks_formatted(frame[raw])
        ):
            options = sorted({o for v in values for o in split_answers(v, ",")})
            mapped = {o: _option_column(o) for o in options}
            if sum(c is not None for c, _ in mapped.values()) >= max(1, len(options) // 2):
                spec.setdefault("multi_select", {})[str(raw)] = {
                    "separator": ",",
                    "options": {o: c or f"CHECK_{_norm(o)}" for o, (c, _) in mapped.items()},
                }
                notes += [
                    f"{raw}: option {o!r} -> {c} ({p:.0%})"
                    for o, (c, p) in mapped.items()
                    if p < 0.9
                ]
                continue
        target, confidence = match_column(raw, [c for c in columns if c not in taken], question)
        if target is None and values.nunique() == 1 and len(values) < len(frame[raw]):
            option, p = _option_column((question or str(raw)).split(" - ")[-1])
            if option:
                spec.setdefault("flags", {})[str(raw)] = option
                notes.append(
                    f"{raw}: per-option column (blank = not selected) -> {option} ({p:.0%})"
                )
                continue
        if target is None:
            notes.append(
                f"{raw}: not mapped ({question or 'no question text'}); add it under rename if a study needs it"
            )
            continue
        taken.add(target)
        if str(raw) != target:
            rename[str(raw)] = target
        if confidence < 0.9:
            notes.append(f"{raw} -> {target}: {confidence:.0%} sure")
        levels = {**ORDERED, **NOMINAL}.get(target)
        codes = {str(i + 1) for i in range(len(levels or ()))}
        if levels and len(values) and set(values) <= codes:
            spec.setdefault("values", {})[target] = {str(i + 1): lv for i, lv in enumerate(levels)}
            notes.append(
                f"{raw} -> {target} coded 1-{len(levels)}: mapped in the contract's order "
                f"(1 = {levels[0]}); check against the export's answer labels"
            )
        if target in ("period", "training_start"):
            from analysis.ingest.codebook import likely_date_formats

            formats = likely_date_formats(values)
            if formats:
                spec.setdefault("dates", {})[target] = formats[0]
                if len(formats) > 1:
                    notes.append(
                        f"{raw}: dates read as {' or '.join(formats)}; {formats[0]!r} chosen"
                    )
        elif frame[raw].dtype == object and looks_formatted(frame[raw]):
            try:
                _, info = parse_numbers(frame[raw], column=str(raw), where="")
                if info["decimal"] == ",":
                    spec.setdefault("numbers", {})[target] = {"decimal": ","}
            except NumberFormatError:
                spec.setdefault("numbers", {})[target] = {"decimal": "CHECK: '.' or ','"}
                notes.append(f"{raw}: the decimal mark cannot be told from the values; set it")
    if rename:
        spec["rename"] = rename
    if texts:  # a Qualtrics export: keep what was mapped, not the response metadata
        kept = [
            rename.get(str(c), str(c)) for c in frame.columns if rename.get(str(c), str(c)) in taken
        ]
        spec["keep"] = kept + sorted(_flag_targets(spec))
    missing = [c for c in columns if c not in taken and c not in _flag_targets(spec)]
    if missing:
        notes.append(f"contract columns not found: {', '.join(missing)}")
    return spec, notes


def _flag_targets(spec: dict) -> set[str]:
    targets = set((spec.get("flags") or {}).values())
    for mapping in (spec.get("multi_select") or {}).values():
        targets |= set(mapping["options"].values())
    return targets


def draft_codebook(folder: str | Path, files: list[str]) -> tuple[str, list[str]]:
    """A commented draft ``codebook.yml`` for ``files`` (relative to the client ``folder``).

    Returns
    -------
    (str, list of str)
        The YAML text and the review notes, one per line that needs a decision.
    """
    folder = Path(folder)
    tables = contract_columns()
    blocks: list[str] = [
        "# Drafted by `workbench draft-codebook`: review every CHECK, then run `workbench import`.",
        "tables:",
    ]
    all_notes: list[str] = []
    used: set[str] = set()
    for file in files:
        path = inside(folder, file)
        if path is None or not path.is_file():
            raise DataContractError(f"{file}: not a file in the client folder {folder.name}.")
        sheets: list[Any] = [0]
        if spreadsheets.sniff(path) == "xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            sheets = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
            hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
            all_notes += [f"{file}: hidden sheet {name!r} left out" for name in hidden]
        for sheet in sheets:
            try:
                frame, layout, texts, fmt = _read(path, sheet)
            except DataContractError as error:  # a cover or notes sheet: say so and go on
                where = f"{file}" + (f" sheet {sheet!r}" if sheets != [0] else "")
                blocks.append(f"  # CHECK {where}: no table drafted ({error})")
                all_notes.append(f"{where}: no table drafted ({error})")
                continue
            table = _table_for(frame, texts, {t: c for t, c in tables.items() if t not in used})
            used.add(table)
            spec, notes = draft_table(frame, texts, tables.get(table, []))
            if table == "CHECK_table":
                notes.insert(
                    0,
                    "no column matched a contract table: name the table (survey, reps, panel, ...)",
                )
            elif (
                table == "survey"
                and "respondent_id" not in (spec.get("rename") or {}).values()
                and "respondent_id" not in frame
            ):
                spec["row_ids"] = "respondent_id"
                notes.append("no respondent id: each response gets one from its row (row_ids)")
            source: dict[str, Any] = {"file": file, "format": fmt}
            if fmt == "xlsx":
                source["sheet"] = sheet
            if layout.get("header_row", 1) != 1:
                source["header_row"] = layout["header_row"]
            if layout.get("encoding", "utf-8") != "utf-8":
                source["encoding"] = layout["encoding"]
            if fmt == "qualtrics":
                source["questions"] = {
                    q: t for q, t in texts.items() if re.fullmatch(r"Q\d+(_\d+)?", q)
                }
            where = f"{file}" + (f" sheet {sheet!r}" if fmt == "xlsx" else "")
            body = yaml.dump(
                {table: {"source": source, **spec}},
                Dumper=_NoAliases,
                sort_keys=False,
                allow_unicode=True,
                width=100,
            )
            header = ", ".join(map(str, list(frame.columns)[:6])) + (
                " ..." if frame.shape[1] > 6 else ""
            )
            blocks.append(
                f"  # {where} -> {table}: header in row {layout.get('header_row', 1)} ({header}), "
                f"{len(frame)} data rows"
                + (f"; title rows {layout['title_rows']}" if layout.get("title_rows") else "")
                + (f"; totals rows {layout['totals_rows']}" if layout.get("totals_rows") else "")
                + (f"; notes rows {layout['notes_rows']}" if layout.get("notes_rows") else "")
                + (
                    f"; not UTF-8, read as {layout['encoding']} (Windows): look over accented names "
                    "after the import"
                    if layout.get("encoding", "utf-8") != "utf-8"
                    else ""
                )
            )
            blocks += [f"  # CHECK {note}" for note in notes]
            blocks += ["  " + line for line in body.splitlines()]
            all_notes += [f"{where}: {note}" for note in notes]
    return "\n".join(blocks) + "\n", all_notes
