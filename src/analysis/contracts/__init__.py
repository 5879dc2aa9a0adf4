"""Contracts: what a study reads.

Column and period checks, readers, quality checks, and one contract per kind of data
(:mod:`~analysis.contracts.survey` for the survey study,
:mod:`~analysis.contracts.training` for the training panel and rep table,
:mod:`~analysis.contracts.instruments` for readiness and alignment instruments).

Imports only :mod:`analysis.core`.
"""
