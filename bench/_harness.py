"""Shared pieces of the plugin benchmarks (not itself a benchmark).

* :func:`child_emulator` runs a plugin's emulator in a child process, so its event loop
  does not share the measuring process's GIL;
* :func:`median_pair` times two calls interleaved, so drift hits both alike.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

_CHILD = """
import json, sys
{setup}
extra = globals().get("extra", {{}})
print(json.dumps({{"url": emu.url, "keys": dict(emu.credentials), "extra": extra}}),
      flush=True)
sys.stdin.read()
emu.stop()
"""


@contextlib.contextmanager
def child_emulator(setup: str) -> Iterator[dict[str, Any]]:
    """Run ``setup`` (Python that binds ``emu`` to a started emulator, and optionally
    ``extra`` to a JSON-able dict) in a child process; yield ``{url, keys, extra}``."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(setup=setup)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        yield json.loads(line)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def timed(call: Callable[[], object]) -> Callable[[], float]:
    """``call`` made to return its own duration in seconds."""

    def run() -> float:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start

    return run


def median_pair(a: Callable[[], float], b: Callable[[], float], runs: int, *,
                warmup: int = 5) -> tuple[float, float]:
    """Median durations of ``a`` and ``b`` (each returns seconds), run interleaved and in
    alternating order after ``warmup`` rounds."""
    for _ in range(warmup):
        a(), b()
    xs, ys = [], []
    for i in range(runs):
        if i % 2:
            xs.append(a())
            ys.append(b())
        else:
            ys.append(b())
            xs.append(a())
    return statistics.median(xs), statistics.median(ys)
