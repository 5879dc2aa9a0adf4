"""Datasets: synthetic data with planted effects, and the example clients.

Generators of synthetic survey, training and instrument data with planted effects, the
example clients in ``data/clients/`` and the raw delivery of the import walk-through in ``data/examples/``.
"""
