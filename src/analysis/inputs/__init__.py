"""Inputs: the paths module, study contracts and synthetic data generators.

Nothing here imports the rest of :mod:`analysis`.
"""
