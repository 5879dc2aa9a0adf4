"""``python -m analysis`` is the ``workbench`` command."""

from analysis.cli import main

raise SystemExit(main())
