"""Background jobs: queued -> running -> done | failed | cancelled, observable without sleeping.

A job runs in the lifespan's task group, one step after another. Everything it does is
written to its ``log`` in order: a ``status`` entry at each state, a ``progress`` entry at
each step done. The job's event stream replays that log from the first entry, so a reader
that is slow, or that comes late, still sees every state and every step, in order.

A job still running when the gateway shuts down is cancelled with it and ends
``cancelled``, with the reason in ``error``; the shutdown lists the jobs it cancelled.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

from .config import Settings

TERMINAL = ("done", "failed", "cancelled")
SHUTDOWN = "The gateway shut down before the job finished."


@dataclass
class Job:
    id: str
    kind: str
    steps: int
    fail_at_step: int | None
    state: str = "queued"
    step: int = 0
    history: list[str] = field(default_factory=lambda: ["queued"])
    error: str | None = None
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: anyio.Event = field(default_factory=anyio.Event)

    def __post_init__(self) -> None:
        self.log.append(("status", {"state": self.state, "id": self.id}))

    def move(self, state: str, error: str | None = None) -> None:
        self.state = state
        self.error = error
        self.history.append(state)
        self._record("status", {"state": state, "id": self.id})

    def advance(self) -> None:
        self.step += 1
        self._record("progress", {"id": self.id, "step": self.step, "of": self.steps})

    def _record(self, event: str, data: dict[str, Any]) -> None:
        self.log.append((event, data))
        changed, self.changed = self.changed, anyio.Event()
        changed.set()

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "step": self.step,
                "steps": self.steps, "history": list(self.history), "error": self.error}


class JobRunner:
    def __init__(self, task_group: TaskGroup, settings: Settings) -> None:
        self._task_group = task_group
        self._step_delay = settings.job_step_delay
        self._settings = settings
        self._ids = itertools.count(1)
        self.jobs: dict[str, Job] = {}
        self._detached: set[asyncio.Task[None]] = set()

    def submit(self, kind: str, steps: int, fail_at_step: int | None) -> Job:
        job = Job(f"job-{next(self._ids)}", kind, steps, fail_at_step)
        self.jobs[job.id] = job
        if self._settings.has_bug("job-outside-task-group"):
            task = asyncio.get_running_loop().create_task(self._run(job))
            self._detached.add(task)  # kept alive, but nobody cancels it at shutdown
            task.add_done_callback(self._detached.discard)
        else:
            self._task_group.start_soon(self._run, job)
        return job

    async def _run(self, job: Job) -> None:
        bug = self._settings.has_bug
        await anyio.lowlevel.checkpoint()
        job.move("running")
        try:
            for step in range(1, job.steps + 1):
                if bug("blocking-job-step"):
                    time.sleep(self._step_delay)  # noqa: ASYNC251 (the bug)
                elif bug("job-step-sleep-not-awaited"):
                    anyio.sleep(self._step_delay)
                else:
                    await anyio.sleep(self._step_delay)
                if job.fail_at_step == step:
                    raise RuntimeError(f"step {step} of {job.steps} failed")
                job.advance()
        except RuntimeError as exc:
            if not bug("job-failure-as-done"):
                job.move("failed", str(exc))
                return
        except anyio.get_cancelled_exc_class():
            if not bug("job-state-lost-at-shutdown"):
                job.move("cancelled", SHUTDOWN)
            raise
        if not bug("job-stuck-running"):
            job.move("done")

    def cancelled_at_shutdown(self) -> list[str]:
        return [job.id for job in self.jobs.values() if job.error == SHUTDOWN]

    async def wait_for(self, job: Job, state: str, timeout: float) -> None:
        """Return when the job is in ``state`` (or a terminal state), or when time is up."""
        waiting = anyio.fail_after if self._settings.has_bug("long-poll-timeout-500") \
            else anyio.move_on_after
        with waiting(timeout):
            while job.state != state and job.state not in TERMINAL:
                await job.changed.wait()
