"""Reading raw client files into tables: the first step of ``workbench import``.

:mod:`~analysis.ingest.read.sources` reads one codebook source (CSV in any delimiter and
encoding, a workbook sheet, a Qualtrics export), :mod:`~analysis.ingest.read.spreadsheets`
finds a sheet's header, title, totals and notes rows, :mod:`~analysis.ingest.read.stacking`
puts sheets or files with one header under one another, and
:mod:`~analysis.ingest.read.headers` names the columns a header repeats.
"""

__all__: list[str] = []
