"""Gauges a black-box test can read at ``GET /ops/stats``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Gauges:
    active_streams: int = 0
    open_upstream_calls: int = 0
    requests_served: int = 0

    def snapshot(self) -> dict[str, int]:
        return {
            "active_streams": self.active_streams,
            "open_upstream_calls": self.open_upstream_calls,
            "requests_served": self.requests_served,
        }
