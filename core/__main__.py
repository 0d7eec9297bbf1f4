"""`python -m core` is the `truce` command."""

import sys

from core.cli import main

sys.exit(main())
