"""Start-up cost of the CLI: ``voicekit providers`` (and ``--help``) against ``python -c pass``.

Goal (issue 14 item 18): ``voicekit providers`` <= 3x ``python -c pass``. Runs are
interleaved (pass, providers, help, ...) so machine load hits all alike; medians reported.

    python bench/bench_startup.py [-n 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "voicekit --help": [sys.executable, "-m", "voicekit_core.cli", "--help"],
    "voicekit providers": [sys.executable, "-m", "voicekit_core.cli", "providers"],
}


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=15, help="runs of each command")
    n = parser.parse_args().n
    env = dict(os.environ)
    for argv in COMMANDS.values():  # warm the OS caches and the entry-point cache
        _time(argv, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(n):
        for name, argv in COMMANDS.items():
            times[name].append(_time(argv, env))
    base = statistics.median(times["python -c pass"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:20s} median {median * 1000:6.1f} ms  ratio {median / base:4.2f}x")
    ratio = statistics.median(times["voicekit providers"]) / base
    print(f"goal: voicekit providers <= 3x python -c pass: {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
