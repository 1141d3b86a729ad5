"""One very long SSE event, and one very long JSON line, read through the library's decoders.

Usage: ``python benchmarks/long_lines.py``

Bodies of 10, 20 and 40 MB arrive in 64 KiB parts, as a socket delivers them. The time to
decode must grow in proportion to the size: the ratio column is each time over the 10 MB
one (2 and 4 for linear; a decoder that copies what waits on every part shows 4 and 16).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from AsyncApiLibrary.lines import LineDecoder  # noqa: E402
from AsyncApiLibrary.sse import SseDecoder  # noqa: E402

PART = 65536


def decode_seconds(decoder: object, body: bytes) -> float:
    started = time.perf_counter()
    found = []
    for start in range(0, len(body), PART):
        found += decoder.feed(body[start:start + PART])
    assert len(found) == 1
    return time.perf_counter() - started


def main() -> int:
    print(f"{'size':>6} {'SSE s':>8} {'ratio':>6} {'lines s':>8} {'ratio':>6}")
    base: tuple[float, float] | None = None
    for mb in (10, 20, 40):
        payload = "x" * (mb * 1024 * 1024)
        sse = min(decode_seconds(SseDecoder(), f"data: {payload}\n\n".encode()) for _ in range(3))
        lines = min(decode_seconds(LineDecoder(), f'{{"t": "{payload}"}}\n'.encode())
                    for _ in range(3))
        base = base or (sse, lines)
        print(f"{mb:>4}MB {sse:>8.3f} {sse / base[0]:>6.1f} {lines:>8.3f} {lines / base[1]:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
