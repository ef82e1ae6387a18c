"""Fuzz every plugin with hostile vendor answers and inputs (issue 11's acceptance check).

For each plugin with an emulator, its conformance suite (plugins/*/tests/
test_*_conformance.py) supplies the calls; :func:`voicekit_core.testing.fuzz_plugin.
fuzz_plugin` records the emulator's real answers to them and then answers ``--examples``
generated hostile ones (default 10,000 per plugin) from a loopback fuzz server. Every
exception other than a VoicekitError, and every call over ``--time-limit`` seconds, is
listed with the smallest answers that caused it.

    python bench/fuzz_all.py                      # all plugins, 10,000 examples each
    python bench/fuzz_all.py gemelo -n 500 --seed 3
    python bench/fuzz_all.py --json fuzz.json     # also write a machine-readable summary

Exit status 1 when anything escaped. Not part of the test run (it takes minutes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load_test_module(path: Path) -> Any:
    """Import a plugin's test module from its file (its folder on sys.path meanwhile, for
    its own helper imports)."""
    spec = importlib.util.spec_from_file_location(f"_fuzz_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def suites() -> dict[str, type[Any]]:
    """plugin name -> its conformance suite class (plugins that have an emulator)."""
    from voicekit_core.testing.conformance import ProviderConformance

    found: dict[str, type[Any]] = {}
    for path in sorted(ROOT.glob("plugins/voicekit-*/tests/test_*_conformance.py")):
        for value in vars(_load_test_module(path)).values():
            if (isinstance(value, type) and issubclass(value, ProviderConformance)
                    and value is not ProviderConformance and value.emulator_class is not None):
                found[value.emulator_class.provider] = value
    return found


def plugin_operations(name: str, directory: Path) -> Any:
    """The plugin's own fuzzed operations besides the suite's: ``fuzz_operations(directory)``
    of its ``tests/test_<name>_fuzz.py``, when it has one (None otherwise)."""
    path = ROOT / "plugins" / f"voicekit-{name}" / "tests" / f"test_{name}_fuzz.py"
    if not path.exists():
        return None
    maker = getattr(_load_test_module(path), "fuzz_operations", None)
    return maker(directory) if maker is not None else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugins", nargs="*", help="plugin names (default: all)")
    parser.add_argument("-n", "--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="write a summary here")
    parser.add_argument("--no-minimise", action="store_true",
                        help="report findings as found (default: replayed smaller first)")
    args = parser.parse_args(argv)

    from voicekit_core.testing.fuzz_plugin import fuzz_plugin

    available = suites()
    names = args.plugins or sorted(available)
    summary: dict[str, Any] = {}
    failed = False
    for name in names:
        if name not in available:
            parser.error(f"no conformance suite with an emulator for {name!r}; "
                         f"known: {', '.join(sorted(available))}")
        with tempfile.TemporaryDirectory() as tmp:
            report = fuzz_plugin(available[name], examples=args.examples, seed=args.seed,
                                 time_limit=args.time_limit, minimise=not args.no_minimise,
                                 operations=plugin_operations(name, Path(tmp)))
        print(f"== {name}: {report.text()}", flush=True)
        print(f"   calls: {dict(sorted(report.calls.items()))}", flush=True)
        failed |= not report.ok
        summary[name] = {
            "examples": report.examples, "requests": report.requests,
            "seconds": round(report.seconds, 1), "escapes": [
                {"operation": e.operation, "error": e.error, "where": e.where,
                 "message": e.message[:300], "hang": e.hang,
                 "answers": [r.summary(300) for r in e.responses], "input": e.input}
                for e in report.escapes]}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
