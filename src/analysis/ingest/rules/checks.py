"""The shape of a codebook table, checked before anything is read.

The checks live with the typed model of the codebook (:mod:`analysis.ingest.rules.model`);
this module keeps their former import path.
"""

from __future__ import annotations

from analysis.ingest.rules.model import TABLE_KEYS, check_table_name, check_table_spec

__all__ = ["TABLE_KEYS", "check_table_name", "check_table_spec"]
