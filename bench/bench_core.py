"""Core start-up benchmark: how light are ``import voicekit_core`` and the ``voicekit`` CLI.

Run: ``python bench/bench_core.py``.

Figures (each the median of several fresh processes):
    python_pass_ms: ``python -c pass``, the floor every Python command pays.
    import_voicekit_core_ms: ``python -c "import voicekit_core"``.
    help_ms / help_ratio: ``voicekit --help`` (as ``python -m voicekit_core.cli --help``),
        and its ratio to ``python -c pass``.
    providers_ms / providers_ratio: ``voicekit providers`` (discovers every installed plugin),
        and its ratio to ``python -c pass``.
    providers_installed: how many providers ``voicekit providers`` listed.
    provider_modules_imported_by_providers: provider modules (``voicekit_<name>.provider``)
        imported while ``voicekit providers`` ran: must be 0.
    plugin_modules_imported_by_help: plugin modules imported by ``voicekit --help``: must be 0.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from typing import Any

RUNS = 9

_PROBE = textwrap.dedent("""\
    import contextlib, io, json, sys
    from voicekit_core.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(sys.argv[1:])
    plugins = [m for m in sys.modules
               if m.startswith("voicekit_") and not m.startswith("voicekit_core")]
    providers = [m for m in plugins if m.endswith(".provider")]
    print(json.dumps({"code": code, "plugins": plugins, "providers": providers,
                      "stdout": out.getvalue()}))
    """)


def _median_ms(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def _probe(*argv: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *argv], check=True,
                         capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def run() -> dict[str, Any]:
    py = sys.executable
    floor = _median_ms([py, "-c", "pass"])
    imp = _median_ms([py, "-c", "import voicekit_core"])
    help_ms = _median_ms([py, "-m", "voicekit_core.cli", "--help"])
    providers_ms = _median_ms([py, "-m", "voicekit_core.cli", "providers"])
    listed = _probe("providers", "--json")
    helped = _probe("--help")
    return {
        "python_pass_ms": round(floor, 1),
        "import_voicekit_core_ms": round(imp, 1),
        "import_voicekit_core_ratio": round(imp / floor, 2),
        "help_ms": round(help_ms, 1),
        "help_ratio": round(help_ms / floor, 2),
        "providers_ms": round(providers_ms, 1),
        "providers_ratio": round(providers_ms / floor, 2),
        "providers_installed": len(json.loads(listed["stdout"])),
        "provider_modules_imported_by_providers": len(listed["providers"]),
        "plugin_modules_imported_by_help": len(helped["plugins"]),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
