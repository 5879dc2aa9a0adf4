"""Clients: ``client.yml`` read strictly, each study's parameters as typed models, files
kept inside a client's folder, the measurement plan and its freeze record, discovery of
the client folders, and the ``new-client`` scaffold.

Imports only :mod:`analysis.core` and :mod:`analysis.contracts`.
"""
