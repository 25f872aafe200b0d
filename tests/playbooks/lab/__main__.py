"""``python -m tests.playbooks.lab ...``: the lab's command line (see :mod:`tests.playbooks.lab.cli`)."""

import sys

from .cli import main

sys.exit(main())
