"""An app module that blocks while it is imported (as one that connects to a service at
import time and gets no answer), until a test opens ``IMPORT_GATE``.

A test that wants to know when the import has begun passes the write end of a pipe and
names it in the environment variable ``BLOCKING_IMPORT_SIGNAL_FD``; the module writes one
byte to it first.
"""

import os

from tests.acceptance.apps.gates import IMPORT_GATE

if os.environ.get("BLOCKING_IMPORT_SIGNAL_FD"):
    os.write(int(os.environ["BLOCKING_IMPORT_SIGNAL_FD"]), b"!")
IMPORT_GATE.wait()


async def _warm_up() -> None:
    pass


_warm_up()  # never awaited: Python reports it against a test only while one waits for it

from tests.acceptance.apps.stream_shapes import app  # noqa: E402, F401  (any small app)
