"""``python -m bot``: the same as the ``mojaz`` console script."""

from bot.cli import main

raise SystemExit(main())
