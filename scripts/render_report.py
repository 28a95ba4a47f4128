"""Render the HTML report in headless Chromium: a full-page screenshot, and a
failure when Chromium logs a console error or a blocked/failed request.

Usage: python scripts/render_report.py REPORT.html OUT.png [--chromium chromium] [--width 1280]
(``--width 390 --height 844``: the first screen of a phone).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
# What a page problem looks like in Chromium's log: a console message at error
# level, or a resource that failed to load.
PROBLEM = re.compile(r"CONSOLE[:(]\d+|Uncaught|net::ERR_|Failed to load resource", re.IGNORECASE)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--height", type=int, default=30000)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    url = args.report.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        base = [args.chromium, *FLAGS, f"--user-data-dir={profile}"]
        shot = subprocess.run(
            [*base, f"--window-size={args.width},{args.height}", f"--screenshot={args.png.resolve()}", url],
            capture_output=True,
            text=True,
            timeout=300,
        )
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=300)
    log = shot.stderr + dom.stderr
    problems = [line for line in log.splitlines() if PROBLEM.search(line)]
    if shot.returncode or not args.png.exists():
        print(f"chromium failed (exit {shot.returncode}):\n{shot.stderr[-2000:]}", file=sys.stderr)
        return 1
    if "<h1" not in dom.stdout:
        print("chromium did not render the report's heading", file=sys.stderr)
        return 1
    if problems:
        print("console errors:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print(f"rendered {args.report} -> {args.png} without console errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
