"""Clients: ``client.yml``, study parameters, client files, the plan, discovery, scaffold.

``client.yml`` is read strictly, each study's parameters are typed models, files are
kept inside a client's folder, the measurement plan and its freeze record, discovery of
the client folders, and the ``new-client`` scaffold.

Imports only :mod:`analysis.core` and :mod:`analysis.contracts`.
"""
