"""The ``workbench`` command (also ``python -m analysis``): parse arguments, call the package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]


def _seconds(text: str) -> float:
    """Read a positive, finite number of seconds (argparse type)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, e.g. 600") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be a positive, finite number of seconds, e.g. 600"
        )
    return value


def _gigabytes(text: str) -> float:
    """Read a memory limit in GB from 2 to 65536 (an argparse type).

    1e30, inf or nan are refused here, not by every report's kernel.
    """
    import math

    from analysis.render.batch import MAX_MEMORY_LIMIT_GB, memory_limit_problem

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            memory_limit_problem(repr(text)).removeprefix("--memory-limit ")
        ) from None
    if not math.isfinite(value) or not 2 <= value <= MAX_MEMORY_LIMIT_GB:
        raise argparse.ArgumentTypeError(memory_limit_problem(text).removeprefix("--memory-limit "))
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench", description="Sales-training effectiveness workbench."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_render(commands)
    _add_client_commands(commands)
    return parser


def _add_render(commands: argparse._SubParsersAction) -> None:
    """Add the ``render`` command and its options."""
    render = commands.add_parser(
        "render", help="render one HTML report per client and study into reports/"
    )
    render.add_argument(
        "--client", action="append", metavar="ID", help="only this client (repeatable)"
    )
    render.add_argument(
        "--study", action="append", metavar="NAME", help="only this study (repeatable)"
    )
    render.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"parallel workers, each with one warm kernel (default: cores = {os.cpu_count()})",
    )
    render.add_argument(
        "--force", action="store_true", help="re-render reports whose inputs are unchanged"
    )
    render.add_argument(
        "--timeout",
        type=_seconds,
        default=600,
        metavar="SECONDS",
        help="time allowed for one report (default 600)",
    )
    render.add_argument(
        "--format",
        type=lambda text: tuple(part.strip().lower() for part in text.split(",") if part.strip()),
        default=("html",),
        metavar="html[,pdf]",
        help="html (default), or html,pdf to also print each report to PDF with Chromium",
    )
    render.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="render on a Dask distributed cluster: a scheduler address (tcp://host:8786), or "
        "'local' for a LocalCluster of --jobs workers (default: local worker processes)",
    )
    render.add_argument(
        "--memory-limit",
        type=_gigabytes,
        default=None,
        metavar="GB",
        help="memory (address space) allowed for each report's kernel; a report that needs "
        "more fails with 'out of memory' (at least 2; default: 80%% of the machine's memory "
        "shared among the --jobs workers, at least 4)",
    )
    render.add_argument(
        "--output-dir", type=Path, default=None, metavar="DIR", help="default: reports/"
    )
    render.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    render.add_argument(
        "--fresh-kernel",
        action="store_true",
        help="start a new kernel for every report instead of reusing one per worker (slower)",
    )


def _add_client_commands(commands: argparse._SubParsersAction) -> None:
    """Add the one-client commands: list, validate, import, draft, plan, new, examples."""
    commands.add_parser("list", help="list the clients and studies found in data/clients/")

    validate = commands.add_parser(
        "validate", help="check a client's client.yml and data files; every problem at once"
    )
    validate.add_argument("client_id", metavar="ID")

    importer = commands.add_parser(
        "import", help="run data/clients/ID/codebook.yml: raw files -> imported/*.parquet"
    )
    importer.add_argument("client_id", metavar="ID")

    drafter = commands.add_parser(
        "draft-codebook",
        help="draft data/clients/ID/codebook.yml from raw files, to review before import",
    )
    drafter.add_argument("client_id", metavar="ID")
    drafter.add_argument(
        "files", metavar="FILE", nargs="+", help="raw files, relative to the client's folder"
    )

    plan = commands.add_parser(
        "plan", help="the measurement plan in data/clients/ID/client.yml: show or freeze it"
    )
    plan.add_argument("action", choices=("show", "freeze"), help="show its status, or freeze it")
    plan.add_argument("client_id", metavar="ID")
    plan.add_argument(
        "--again",
        action="store_true",
        help="freeze a plan edited after its first freeze (the earlier freeze stays on record)",
    )

    new_client = commands.add_parser(
        "new-client", help="scaffold data/clients/ID/ with a client.yml to fill in"
    )
    new_client.add_argument("client_id", metavar="ID")
    new_client.add_argument("--name", default=None, help="display name (default: from the id)")

    examples = commands.add_parser(
        "examples", help="(re)generate the example clients' data in data/clients/"
    )
    examples.add_argument(
        "--overwrite", action="store_true", help="replace existing example data files"
    )


def _render(args) -> int:
    from analysis.render.batch import render_batch

    result = render_batch(
        clients=args.client,
        studies=args.study,
        jobs=args.jobs,
        force=args.force,
        timeout=args.timeout,
        output_dir=args.output_dir,
        progress=False if args.no_progress else None,
        reuse_kernel=not args.fresh_kernel,
        memory_limit_gb=args.memory_limit,
        formats=args.format,
        cluster=args.cluster,
    )
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = (
        ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to render"
    )
    print(f"workbench render: {summary} in {result.elapsed:.1f} s")
    for outcome in result.failed:
        print(f"  FAILED {outcome.client_id}/{outcome.study}: {outcome.error}", file=sys.stderr)
    for folder, message in result.config_errors.items():
        print(f"  FAILED client folder {folder!r}: {message}", file=sys.stderr)
    for message in result.messages:
        print(f"  {message}")
    for message in result.pdf_errors:
        print(f"  FAILED {message}", file=sys.stderr)
    from analysis.core import paths

    print(f"index: {(args.output_dir or paths.REPORTS_DIR) / 'index.html'}")
    return result.exit_code


def _list() -> int:
    from analysis.clients.discovery import discover_clients

    discovery = discover_clients()
    for client in discovery.clients:
        print(f"{client.client_id}\t{client.display_name}\t{', '.join(client.studies)}")
    for folder, message in discovery.errors.items():
        print(f"{folder}\tERROR: {message}", file=sys.stderr)
    return 1 if discovery.errors else 0


def _require_folder(client_id: str):
    """Return the client's folder; a ConfigError (exit 2, as for render) when there is none."""
    from analysis.core import paths
    from analysis.core.errors import ConfigError

    folder = paths.CLIENTS_DIR / client_id
    if not folder.is_dir():
        root = paths.CLIENTS_DIR
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise ConfigError(
            f"no client {client_id!r} in data/clients/; known: {', '.join(known) or 'none'}. "
            f"`workbench new-client {client_id}` creates it."
        )
    from analysis.clients.config import refuse_linked_folder

    refuse_linked_folder(folder, client_id)  # nothing read or written through a link out
    return folder


def _validate(args) -> int:
    from analysis.clients.discovery import check_client_id
    from analysis.studies.validate import validate_client

    check_client_id(args.client_id)
    _require_folder(args.client_id)
    problems = validate_client(args.client_id)
    for problem in problems:
        stream = sys.stderr if problem.level == "error" else sys.stdout
        print(f"{problem.level.upper()} [{problem.study}] {problem.message}", file=stream)
    errors = sum(p.level == "error" for p in problems)
    warnings = sum(p.level == "warning" for p in problems)
    notes = sum(p.level == "note" for p in problems)
    print(
        f"workbench validate {args.client_id}: {errors} error(s), {warnings} warning(s), "
        f"{notes} section(s) left out"
        + ("; render would fail these studies" if errors else "; render would succeed")
    )
    return 1 if errors else 0


def _plan(args) -> int:
    """``workbench plan show|freeze ID``: the plan's standing, or record its hash and date."""
    from analysis.clients.config import load_client
    from analysis.clients.discovery import check_client_id
    from analysis.clients.plan import FROZEN_FILE
    from analysis.clients.plan_record import freeze
    from analysis.core.errors import ConfigError

    check_client_id(args.client_id)
    client = load_client(_require_folder(args.client_id))
    if client.plan is None:
        raise ConfigError(
            f"data/clients/{args.client_id}/client.yml has no plan: block; write the plan first "
            "(data/README.md, measurement plan), then freeze it before the data arrive."
        )
    if args.action == "show":
        print(" ".join(client.plan.sentences()))
        for line in client.plan.changes:
            print(f"  changed: {line}")
        print(f"plan SHA-256 {client.plan.sha256}")
        return 0
    record = freeze(client.plan.plan, client.folder, again=args.again)
    print(
        f"froze the plan of {args.client_id} on {record['frozen_at']} "
        f"(SHA-256 {record['sha256'][:12]}...) "
        f"in data/clients/{args.client_id}/{FROZEN_FILE}; commit that file. Every report now says "
        "whether the plan changed after this date."
    )
    return 0


def _has_tables(path) -> bool:
    """Whether a codebook names any table (the new-client template names none)."""
    from analysis.core.strict import read_yaml

    try:
        codebook = read_yaml(path, path.name, max_bytes=1024 * 1024, inside=path.parent)
    except (ValueError, OSError):
        return True  # unreadable: leave it to its owner
    return not isinstance(codebook, dict) or bool(codebook.get("tables"))


def _refuse_other_zip_formats(folder: Path, files: list[str]) -> None:
    """Raise an InputError for a raw file that is a zip archive but not an Excel workbook.

    An OpenDocument spreadsheet (.ods, LibreOffice) and an .xlsx workbook are both zip
    archives, so the content check that tells workbooks from text takes an .ods for a
    workbook, and the Excel reader then fails with its own traceback.
    """
    import zipfile

    from analysis.clients.files import inside_folder
    from analysis.core.errors import InputError

    for file in files:
        path = inside_folder(folder, file)
        if path is None or not path.is_file() or not zipfile.is_zipfile(path):
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                kind = archive.read("mimetype")[:80] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError):
            names, kind = set(), b""
        if "xl/workbook.xml" in names:
            continue
        what = (
            "an OpenDocument spreadsheet (.ods, from LibreOffice or Google Sheets)"
            if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet")
            else "a zip archive that is not an Excel workbook"
        )
        raise InputError(
            f"{file}: {what}, which the workbench does not read. Open it in LibreOffice Calc or "
            "Excel and save it as an Excel workbook (.xlsx) or as CSV (.csv), one file per sheet, "
            f"then run `workbench draft-codebook {folder.name}` with the saved file."
        )


def _draft_codebook(args) -> int:
    from analysis.clients.discovery import check_client_id
    from analysis.core.files import atomic_write
    from analysis.ingest.drafting import draft_codebook

    check_client_id(args.client_id)
    folder = _require_folder(args.client_id)
    _refuse_other_zip_formats(folder, args.files)
    text, notes = draft_codebook(folder, args.files)
    target = folder / "codebook.yml"
    if target.exists() and _has_tables(target):
        target = folder / "codebook.draft.yml"  # never overwrite a reviewed codebook
    atomic_write(target, text)  # a full disk leaves the previous draft whole
    print(
        f"wrote data/clients/{args.client_id}/{target.name}: "
        f"{len(notes)} line(s) marked CHECK to review"
    )
    for note in notes:
        print(f"  CHECK {note}")
    if target.name == "codebook.draft.yml":
        print("  (codebook.yml already exists and was left as it is; compare the two and merge)")
    print(f"next: edit the CHECK lines, then workbench import {args.client_id}")
    return 0


def _import(args) -> int:
    from analysis.clients.discovery import check_client_id
    from analysis.core.files import WriteError
    from analysis.ingest.codebook import run_codebook

    check_client_id(args.client_id)
    folder = _require_folder(args.client_id)
    try:
        record = run_codebook(folder)
    except OSError as error:
        message = _write_failure(error)
        if message is None:
            raise
        raise WriteError(
            f"import of {args.client_id} stopped: {message} The import record was not updated, so "
            "validate and render refuse any imported table that no longer matches it until "
            f"`workbench import {args.client_id}` runs again."
        ) from None
    for name, table in record["tables"].items():
        dropped = sum(d["rows"] for d in table["dropped"])
        print(
            f"{name}: {table['rows_out']} rows imported from {table['source']['file']} "
            f"({dropped} dropped by drop_rows)"
        )
        _print_rows_combined(table)
        layout = table.get("layout") or {}
        if layout.get("header_row", 1) != 1 or layout.get("title_rows"):
            print(
                f"  header in row {layout['header_row']}; "
                f"title rows skipped: {layout.get('title_rows') or 'none'}"
            )
        for kind in ("totals", "notes"):
            if layout.get(f"{kind}_rows"):
                print(f"  set aside as {kind} rows (not imported): rows {layout[f'{kind}_rows']}")
        for column, info in (table.get("numbers") or {}).items():
            done = [
                t
                for t, on in (
                    ("currency removed", info.get("currency")),
                    ("percent / 100", info.get("percent")),
                )
                if on
            ]
            print(
                f"  column {column}: numbers written as text, "
                f"read with decimal mark {info['decimal']!r}"
                + (f" ({', '.join(done)})" if done else "")
            )
        for column, values in (table.get("unmapped") or {}).items():
            if values:
                print(f"  note: column {column} kept values without a mapping: {values}")
    for message in record.get("warnings") or []:  # tables built from deals and completions
        print(f"  warning: {message}")
    _wire(folder, record)
    print(
        f"written to data/clients/{args.client_id}/imported/ (raw files unchanged); "
        f"next: workbench validate {args.client_id}"
    )
    return 0


def _print_rows_combined(table: dict) -> None:
    """Print what identical_rows and aggregate did to one imported table's rows."""
    copies = table.get("identical_rows_dropped") or []
    if copies:
        lines = ", ".join(map(str, copies[:8])) + (" ..." if len(copies) > 8 else "")
        print(f"  identical_rows: {len(copies)} copies of another row dropped (lines {lines})")
    summed = table.get("aggregate")
    if summed:
        left_out = summed["rows_in"] - summed["rows_counted"]
        print(
            f"  aggregate: {summed['rows_counted']} rows combined into {summed['rows_out']}, "
            "one per "
            f"{' and '.join(summed['by'])} ({summed['keys_with_several_rows']} with several rows)"
            + (f"; {left_out} rows of types not counted left out" if left_out else "")
        )


def _wire(folder: Path, record: dict) -> None:
    """Point client.yml at the imported tables and print what changed (or what to write)."""
    from analysis.clients.wiring import wire_client
    from analysis.ingest.record import import_units

    wiring = wire_client(folder, list(record["tables"]), import_units(folder))
    where = f"data/clients/{folder.name}/client.yml"
    if wiring.written:
        print(f"{where} updated ({len(wiring.changes)} change(s); comments and other keys kept):")
    elif wiring.changes:
        print(f"{where}: make these change(s) by hand:")
    elif wiring.notes:  # nothing to change, for the reason the notes give
        print(f"{where} was not changed:")
    else:
        print(f"{where} already names the imported tables; nothing changed.")
    for change in wiring.changes:
        print(f"  {change.describe()}")
    for note in wiring.notes:
        print(f"  note: {note}")


def _new_client(args) -> int:
    from analysis.clients.scaffold import scaffold_client

    folder = scaffold_client(args.client_id, display_name=args.name)
    print(
        f"created {folder}/client.yml: put the client's files in {folder}/, fill in client.yml, "
        f"then run `workbench validate {args.client_id}`."
    )
    return 0


def _examples(args) -> int:
    from analysis.datasets.examples import write_examples

    for path in write_examples(overwrite=args.overwrite):
        print(path)
    return 0


def _write_failure(error: OSError) -> str | None:
    """Return the message for a write the disk refused (full, read-only, ...); None for others.

    Records are written atomically (:mod:`analysis.core.files`), so the message can say that
    the previous version is unchanged; a write outside that helper (a Parquet table of an
    import) is named by its file.
    """
    import errno

    from analysis.core.files import WriteError, write_problem

    if isinstance(error, WriteError):
        return str(error)
    if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG):
        return None
    where = Path(error.filename) if error.filename else None
    if where is not None:
        return write_problem(where, error)
    return (
        f"a file could not be written ({error.strerror or error}); free some space on the disk "
        "and run the command again."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit code (0 ok, 1 a report failed, 2 bad usage or input).

    Every problem with what the user supplied is an :class:`~analysis.core.errors.InputError`
    (configuration, data files, codebooks): its message is printed and the exit code is 2.
    A write the disk refused (full, read-only) is printed with the file and what was kept,
    exit code 1. Output whose reader has left (``workbench import ID | head -1``) ends the
    command quietly, as a closed pipe ends any command-line tool. Anything else is a bug and
    keeps its traceback.
    """
    try:
        try:
            return _run(argv)
        finally:  # the last buffered lines (also after --help), while a closed pipe can be caught
            sys.stdout.flush()
    except BrokenPipeError:  # the reader left: nothing more can be shown, and nothing is wrong
        # Python would flush stdout again at exit and print the error: point it at devnull
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(argv: list[str] | None) -> int:
    """Parse the arguments and run the command (see :func:`main`)."""
    args = _parser().parse_args(argv)
    from analysis.core.errors import InputError
    from analysis.render.imports import skip_iri_format_checker

    skip_iri_format_checker()

    try:
        if args.command == "render":
            return _render(args)
        if args.command == "list":
            return _list()
        if args.command == "validate":
            return _validate(args)
        if args.command == "new-client":
            return _new_client(args)
        if args.command == "plan":
            return _plan(args)
        if args.command == "import":
            return _import(args)
        if args.command == "draft-codebook":
            return _draft_codebook(args)
        return _examples(args)
    except InputError as error:
        print(f"workbench: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # an OSError too, but never a write the disk refused
        raise
    except OSError as error:
        message = _write_failure(error)
        if message is None:
            raise
        print(f"workbench: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
