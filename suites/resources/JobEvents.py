"""What a job's event stream must carry, built from what the test asked the job to do."""

from typing import Any

from robot.api.deco import keyword, library


@library(scope="GLOBAL")
class JobEvents:
    @keyword
    def expected_job_events(self, job: str, steps: int, failed_at: int | None = None,
                            kind: str = "report") -> list[tuple[str, dict[str, Any]]]:
        """The events of job ``job`` of ``steps`` steps, as ``(name, data)`` pairs: status
        queued and running, one progress event per step done, the final status, then done
        with the whole job. A job failing at step ``failed_at`` ends ``failed`` with its
        reason after the steps before it.

        Example:
        | ${expected} = | Expected Job Events | job-1 | 3 | failed_at=2 |
        """
        done = steps if failed_at is None else failed_at - 1
        end = "done" if failed_at is None else "failed"
        error = None if failed_at is None else f"step {failed_at} of {steps} failed"
        events: list[tuple[str, dict[str, Any]]] = [
            ("status", {"state": "queued", "id": job}),
            ("status", {"state": "running", "id": job}),
        ]
        events += [("progress", {"id": job, "step": step, "of": steps})
                   for step in range(1, done + 1)]
        events.append(("status", {"state": end, "id": job}))
        events.append(("done", {"id": job, "kind": kind, "state": end, "step": done,
                                "steps": steps, "history": ["queued", "running", end],
                                "error": error}))
        return events
