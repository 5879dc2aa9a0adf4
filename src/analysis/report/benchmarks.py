"""Benchmarks across clients: per-client item counts for each instrument, without names.

``workbench render`` writes ``data/benchmarks/<instrument>.csv`` before rendering:
one row per client and item with the count and the number answering, the client
identified only by a one-way hash of its id. A client's report pools the other
clients with :func:`analysis.instruments.benchmark`, which shows a benchmark only
when it covers at least the minimum cell size and at least three other clients.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from analysis.inputs import paths
from analysis.report.clients import Discovery
from analysis.report.hashing import atomic_write


def client_key(client_id: str) -> str:
    """One-way key standing for a client in benchmark files (no names, no ids)."""
    return hashlib.sha256(f"workbench-benchmark:{client_id}".encode()).hexdigest()[:16]


def benchmark_path(instrument_id: str, folder: Path | None = None) -> Path:
    return (folder or paths.BENCHMARKS_DIR) / f"{instrument_id}.csv"


def write_benchmarks(
    discovery: Discovery, folder: Path | None = None, instruments_dir: Path | None = None
) -> list[Path]:
    """Recompute the benchmark files from every client's ``responses`` files.

    A file is rewritten only when its content changes, so unchanged benchmarks keep
    their hashes and do not trigger re-rendering. A client whose responses cannot be
    read is left out here (its own report shows the error).
    """
    from analysis import instruments as ins

    folder = folder or paths.BENCHMARKS_DIR
    definitions = (
        ins.load_instruments(instruments_dir or paths.INSTRUMENTS_DIR)
        if (instruments_dir or paths.INSTRUMENTS_DIR).is_dir()
        else {}
    )
    rows: dict[str, list[pd.DataFrame]] = {}
    for client in discovery.clients:
        for spec in client.studies.values():
            responses = spec.data_files.get("responses")
            if not isinstance(responses, dict):
                continue
            own = spec.data_files.get("instruments_dir")
            # a client's own instrument with a shipped id is a different instrument: never pooled
            shadowed = _ids(Path(own)) if own and Path(own).is_dir() else set()
            for instrument_id, path in responses.items():
                instrument = definitions.get(instrument_id)
                if instrument is None or instrument_id in shadowed:
                    continue
                try:
                    data = ins.load_responses(path, instrument)
                except (ins.InstrumentError, ValueError, OSError):
                    continue
                rows.setdefault(instrument_id, []).append(
                    ins.client_aggregates(data, instrument, client_key(client.client_id))
                )
    written = []
    for instrument_id, frames in rows.items():
        target = benchmark_path(instrument_id, folder)
        content = (
            pd.concat(frames, ignore_index=True)
            .sort_values(["client_id", "item"])
            .to_csv(index=False)
        )
        if not target.is_file() or target.read_text() != content:
            atomic_write(target, content)
            written.append(target)
    return written


def _ids(folder: Path) -> set[str]:
    """The instrument ids declared in a client's own instruments folder (unreadable files skipped)."""
    import yaml

    found = set()
    for path in folder.glob("*.yml"):
        if not path.resolve().is_relative_to(folder.resolve()):
            continue  # a link out of the client's folder is never opened (its report says so)
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(spec, dict) and "id" in spec:
            found.add(str(spec["id"]))
    return found
