"""``python -m app``: the ``daftar`` command (the GUI when no sub-command is given)."""

from app.cli import main

raise SystemExit(main())
