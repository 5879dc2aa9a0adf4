"""Render: the batch engine that turns every client's studies into HTML reports.

:mod:`~analysis.render.batch` plans and runs a batch (:mod:`~analysis.render.jobs`
decides what is stale), :mod:`~analysis.render.execute` runs one notebook on a warm
kernel (:mod:`~analysis.render.kernels`) inside a worker process
(:mod:`~analysis.render.workers`, or a Dask cluster: :mod:`~analysis.render.cluster`),
:mod:`~analysis.render.export` and :mod:`~analysis.render.pdf` write HTML and PDF, and
:mod:`~analysis.render.index` the index page. Imported by the ``workbench`` command only.
"""
