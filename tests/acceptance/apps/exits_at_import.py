"""An app module that calls ``sys.exit()`` while it is imported (a CLI entry point mixed in)."""

import sys

sys.exit("configuration missing")
