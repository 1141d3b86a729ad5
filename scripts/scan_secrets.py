"""Fail if any given secret appears in Robot's output.xml, log.html or report.html.

log.html and report.html keep their texts zlib-compressed and base64-encoded, so a plain
text search would miss a leaked token; every stored string is decoded before searching.

    python scripts/scan_secrets.py --secret TOKEN [--secret KEY ...] results/in-process ...
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import zlib
from pathlib import Path

_STRINGS = re.compile(r'window\.output\["strings"\] = window\.output\["strings"\]\.concat\((\[.*?\])\);',
                      re.S)


def html_texts(html: str) -> list[str]:
    """Every string stored in a Robot log or report, decoded."""
    texts = [html]
    for block in _STRINGS.findall(html):
        # Robot writes "</" as "\\x3c/" (not valid JSON) so the data cannot end a <script>.
        for item in json.loads(block.replace("\\x3c/", "</")):
            if item.startswith("*"):
                texts.append(item[1:])
            elif item:
                texts.append(zlib.decompress(base64.b64decode(item)).decode("utf-8", "replace"))
    return texts


def scan(paths: list[Path], secrets: list[str]) -> list[str]:
    found = []
    scanned = 0
    for root in paths:
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.name in ("output.xml", "log.html", "report.html"))
        for path in files:
            scanned += 1
            text = path.read_text(encoding="utf-8", errors="replace")
            texts = html_texts(text) if path.suffix == ".html" else [text]
            for number, secret in enumerate(secrets, 1):
                if any(secret in t for t in texts):
                    found.append(f"{path}: contains secret #{number}")
    if scanned == 0:
        found.append(f"No output.xml, log.html or report.html under {', '.join(map(str, paths))}.")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", action="append", required=True)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    short = [s for s in args.secret if len(s) < 8]
    if short:
        parser.error("Secrets to scan for must be at least 8 characters, so a match means a leak.")
    problems = scan(args.paths, args.secret)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"No secret found in the outputs under {', '.join(map(str, args.paths))}.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
