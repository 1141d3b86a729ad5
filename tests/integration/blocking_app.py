"""An app with a sync endpoint that blocks its worker thread until the test lets it go.

FastAPI runs ``def`` endpoints in a worker thread, and a thread cannot be cancelled: this
is what a sync handler stuck on a hung upstream call looks like to the library.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI

app = FastAPI()
_gate = threading.Event()
_BOUND = 60.0  # only stops a broken run hanging forever; the suite always opens the gate


@app.get("/blocking")
def blocking() -> dict[str, bool]:
    return {"released": _gate.wait(_BOUND)}


class Gate:
    """Robot keywords for the gate the blocking endpoint waits on."""

    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def close_gate(self) -> None:
        _gate.clear()

    def open_gate(self) -> None:
        _gate.set()
