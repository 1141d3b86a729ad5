"""Background jobs: queued -> running -> done | failed, observable without sleeping."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

TERMINAL = ("done", "failed")


@dataclass
class Job:
    id: str
    kind: str
    steps: int
    fail_at_step: int | None
    state: str = "queued"
    history: list[str] = field(default_factory=lambda: ["queued"])
    error: str | None = None
    changed: anyio.Event = field(default_factory=anyio.Event)

    def move(self, state: str, error: str | None = None) -> None:
        self.state = state
        self.error = error
        self.history.append(state)
        changed, self.changed = self.changed, anyio.Event()
        changed.set()

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state,
                "history": list(self.history), "error": self.error}


class JobRunner:
    def __init__(self, task_group: TaskGroup, step_delay: float, stuck_bug: bool) -> None:
        self._task_group = task_group
        self._step_delay = step_delay
        self._stuck_bug = stuck_bug
        self._ids = itertools.count(1)
        self.jobs: dict[str, Job] = {}

    def submit(self, kind: str, steps: int, fail_at_step: int | None) -> Job:
        job = Job(f"job-{next(self._ids)}", kind, steps, fail_at_step)
        self.jobs[job.id] = job
        self._task_group.start_soon(self._run, job)
        return job

    async def _run(self, job: Job) -> None:
        await anyio.lowlevel.checkpoint()
        job.move("running")
        try:
            for step in range(1, job.steps + 1):
                await anyio.sleep(self._step_delay)
                if job.fail_at_step == step:
                    raise RuntimeError(f"step {step} of {job.steps} failed")
        except RuntimeError as exc:
            job.move("failed", str(exc))
            return
        if not self._stuck_bug:
            job.move("done")

    async def wait_for(self, job: Job, state: str, timeout: float) -> None:
        """Return when the job is in ``state`` (or a terminal state), or when time is up."""
        with anyio.move_on_after(timeout):
            while job.state != state and job.state not in TERMINAL:
                await job.changed.wait()
