"""Fuzz voicekit-voicedub: hostile VoiceDub answers and inputs, 10,000 examples by default.

The operations are the conformance suite's (every capability, with good and hostile
arguments) plus VoiceDub's own (catalogue filters, trained voices by id, the dub
and training steps one by one, resumed dub and training jobs, estimates), from
``plugins/voicekit-voicedub/tests/test_voicedub_fuzz.py``. Every exception other than a
VoicekitError, and every call over ``--time-limit`` seconds, is listed with the smallest
answers that caused it.

    python bench/fuzz_voicedub.py              # 10,000 examples
    python bench/fuzz_voicedub.py -n 500 --seed 3

Exit status 1 when anything escaped. Not part of the test run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "plugins" / "voicekit-voicedub" / "tests"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(TESTS))
    import test_voicedub_conformance as conformance
    import test_voicedub_fuzz as plugin_fuzz

    from voicekit_core.testing.fuzz_plugin import fuzz_plugin

    suite = conformance.TestVoiceDubConformance
    report = fuzz_plugin(suite, examples=args.examples, seed=args.seed,
                         time_limit=args.time_limit, operations=plugin_fuzz.voicedub_operations)
    print(f"voicedub: {report.text()}")
    print(f"calls: {dict(sorted(report.calls.items()))}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
