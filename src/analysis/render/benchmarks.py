"""Benchmarks across clients: per-client item counts for each instrument, without names.

``workbench render`` writes ``data/benchmarks/<instrument>.csv`` before rendering:
one row per client and item with the count and the number answering, the client
identified only by a one-way hash of its id, and its ``pool``: ``synthetic`` for the
generated example clients (``synthetic: true`` in client.yml), ``clients`` for the
others, so that a real client is never compared with generated data. A client's report pools the other
clients with :func:`analysis.instruments.benchmark`, which shows a benchmark only
when it covers at least the minimum cell size and at least three other clients.

Reading and checking every client's responses takes about a second for the example
clients, so the files are recomputed only when something they are made from has
changed: a fingerprint of the inputs (each responses file and instrument definition
by content, the clients' keys and the package source) and of the files written is
kept beside them in ``.fingerprint.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from analysis.clients.benchmarks import benchmark_path, client_key, pool
from analysis.clients.discovery import Discovery
from analysis.clients.files import file_sha256
from analysis.core import paths
from analysis.render.hashing import atomic_write, atomic_write_json, package_sha256, tree_sha256

__all__ = ["FINGERPRINT", "write_benchmarks"]

FINGERPRINT = ".fingerprint.json"


def write_benchmarks(
    discovery: Discovery, folder: Path | None = None, instruments_dir: Path | None = None
) -> list[Path]:
    """Recompute the benchmark files from every client's ``responses`` files.

    A file is rewritten only when its content changes, so unchanged benchmarks keep
    their hashes and do not trigger re-rendering. A client whose responses cannot be
    read is left out here (its own report shows the error).
    """
    folder = folder or paths.BENCHMARKS_DIR
    instruments_dir = instruments_dir or paths.INSTRUMENTS_DIR
    inputs = _inputs_fingerprint(discovery, instruments_dir)
    if _unchanged(folder, inputs):
        return []
    written = _recompute(discovery, folder, instruments_dir)
    outputs = {p.name: file_sha256(p) for p in sorted(folder.glob("*.csv"))}
    atomic_write_json(folder / FINGERPRINT, {"inputs": inputs, "outputs": outputs})
    return written


def _inputs_fingerprint(discovery: Discovery, instruments_dir: Path) -> str:
    """One hash over everything the benchmark files are computed from."""
    sources: list[object] = [
        package_sha256(),
        tree_sha256(instruments_dir, (".yml", ".yaml")) if instruments_dir.is_dir() else "",
    ]
    for client in sorted(discovery.clients, key=lambda c: c.client_id):
        for study, spec in sorted(client.studies.items()):
            responses = spec.data_files.get("responses")
            if not isinstance(responses, dict):
                continue
            own = spec.data_files.get("instruments_dir")
            own_tree = (
                tree_sha256(Path(own), (".yml", ".yaml")) if own and Path(own).is_dir() else ""
            )
            files = {
                name: file_sha256(Path(path)) if Path(path).is_file() else "missing"
                for name, path in sorted(responses.items())
            }
            sources.append(
                [client_key(client.client_id), pool(client.synthetic), study, own_tree, files]
            )
    return hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()


def _unchanged(folder: Path, inputs: str) -> bool:
    """Return True when the inputs are the last computation's and its files are as written."""
    try:
        record = json.loads((folder / FINGERPRINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("inputs") != inputs:
        return False
    present = {p.name: file_sha256(p) for p in sorted(folder.glob("*.csv"))}
    return present == record.get("outputs")


def _recompute(discovery: Discovery, folder: Path, instruments_dir: Path) -> list[Path]:
    """Read every client's responses and rewrite the benchmark files whose content changed."""
    import pandas as pd

    from analysis import instruments as ins

    definitions = ins.load_instruments(instruments_dir) if instruments_dir.is_dir() else {}
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
                    ins.client_aggregates(data, instrument, client_key(client.client_id)).assign(
                        pool=pool(client.synthetic)
                    )
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
    """Return the instrument ids declared in a client's own instruments folder.

    Unreadable files are skipped.
    """
    from analysis.core.strict import read_yaml

    found = set()
    for path in folder.glob("*.yml"):
        try:  # a link out of the folder is never opened; a broken file is that client's report's error
            spec = read_yaml(path, path.name, inside=folder)
        except (OSError, ValueError):
            continue
        if isinstance(spec, dict) and "id" in spec:
            found.add(str(spec["id"]))
    return found
