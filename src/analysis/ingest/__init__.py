"""Ingest: a client's raw files (survey exports, spreadsheets, CRM exports) to checked
tables in the client's ``imported/`` folder, driven by a codebook
(:mod:`~analysis.ingest.codebook`) that :mod:`~analysis.ingest.drafting` drafts, with an
import record (:mod:`~analysis.ingest.record`) that ties each table to its raw file.
"""
