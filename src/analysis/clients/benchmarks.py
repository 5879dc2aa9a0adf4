"""Cross-client benchmark files as a report reads them.

The one-way client key, the benchmark pool (generated examples apart from real clients) and the file of an
instrument. :mod:`analysis.render.benchmarks` writes the files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core import paths

if TYPE_CHECKING:  # pandas is not loaded by a render that finds nothing to do
    import pandas as pd

__all__ = ["benchmark_path", "client_key", "pool", "same_pool"]


def client_key(client_id: str) -> str:
    """One-way key standing for a client in benchmark files (no names, no ids)."""
    return hashlib.sha256(f"workbench-benchmark:{client_id}".encode()).hexdigest()[:16]


def pool(synthetic: bool) -> str:
    """Return the benchmark pool of a client: generated example data never meets a real client's."""
    return "synthetic" if synthetic else "clients"


def same_pool(data: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """Return the rows of a benchmark file from clients in the same pool as this one.

    A file written before pools existed counts as real clients'.
    """
    if "pool" not in data.columns:
        return data if not synthetic else data.iloc[0:0]
    return data[data["pool"] == pool(synthetic)]


def benchmark_path(instrument_id: str, folder: Path | None = None) -> Path:
    """Return the benchmark file of an instrument (``data/benchmarks/<id>.csv`` by default)."""
    return (folder or paths.BENCHMARKS_DIR) / f"{instrument_id}.csv"
