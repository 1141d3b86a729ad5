"""An app module that blocks while it is imported (as one that connects to a service at
import time and gets no answer), until a test opens ``IMPORT_GATE``.

A test that wants to know when the import has begun gives a file path in the environment
variable ``BLOCKING_IMPORT_MARKER``; the module creates that file first.
"""

import os
from pathlib import Path

from tests.acceptance.apps.gates import IMPORT_GATE

if os.environ.get("BLOCKING_IMPORT_MARKER"):
    Path(os.environ["BLOCKING_IMPORT_MARKER"]).touch()
IMPORT_GATE.wait()

from tests.acceptance.apps.stream_shapes import app  # noqa: E402, F401  (any small app)
