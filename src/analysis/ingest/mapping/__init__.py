"""How raw columns map to the contract, for ``workbench draft-codebook``
(:mod:`analysis.ingest.drafting`): roles decided from a column's name and values
(:mod:`.roles`), one raw table drafted as a contract table (:mod:`.tables`), survey
answers, multi-selects and drop rules (:mod:`.answers`), CRM and LMS exports given their
tables and the roster its match keys (:mod:`.events`), and the YAML written with the
evidence beside each line (:mod:`.writing`).
"""
