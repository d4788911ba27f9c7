"""``python -m sla_timers ...`` runs the ``sla-timers`` command."""

import sys

from .cli import main

sys.exit(main())
