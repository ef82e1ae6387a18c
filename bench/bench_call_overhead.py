"""Per-call overhead of voicekit over a raw ``requests.Session`` (issue 14 item 19; goal
<= 1.05x).

Three calls, each made both ways against the same loopback server in a child process:

* ``get``: ``GET /ping``, JSON answer parsed (``HttpClient.json`` vs ``session.get``);
* ``post``: ``POST /echo`` with a JSON body, answer parsed;
* ``synthesize``: voicekit-gemelo's ``synthesize()`` (options checked, POST
  /v1/tts/convert, the WAV answer read into an :class:`~voicekit_core.Audio`: format
  sniffed, header read once) vs a raw POST of the same body and headers keeping
  ``response.content``, against the Gemelo emulator (skipped without voicekit-gemelo).

Two measures:

* ``*_instr_ratio``: CPU instructions the client process executes per call, voicekit over
  raw, counted by valgrind's callgrind between two markers (deterministic: machine load
  does not change it; skipped without valgrind). The server's and the kernel's work is
  the same for both, so this ratio bounds the wall-clock ratio from above.
* ``synthesize_exchange_instr_ratio``: the same count for the whole exchange, client
  plus server: the Gemelo emulator runs under callgrind too (its counters dumped between
  the raw and the voicekit calls). This is what the wall-clock ratio would be on an idle
  machine, where the server's work is part of every call's time.
* ``*_ratio``: wall clock, the median of ``ROUNDS`` interleaved rounds of ``BATCH`` calls
  (on a shared 2-core machine it swings by several percent either way).

    python bench/bench_call_overhead.py
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

BATCH = 50
ROUNDS = 60
WARMUP = 20  # calls before counting: connections open, caches filled
COUNTED = 100  # calls counted under callgrind
PAYLOAD = {"text": "hello", "n": 3}
TEXT = "The quick brown fox jumps over the lazy dog."
_GEMELO = """
from voicekit_gemelo.emulator import GemeloEmulator
emu = GemeloEmulator(credits=1e12).start()
"""


def pairs(servers: dict[str, Any]) -> dict[str, tuple[Callable[[], object], ...]]:
    """``{kind: (raw_call, voicekit_call)}`` for the servers that are up."""
    import requests
    from bench_transport import _client

    url = servers["core"]
    session = requests.Session()
    client = _client(url)
    found: dict[str, tuple[Callable[[], object], ...]] = {
        "get": (lambda: session.get(url + "/ping", headers={"X-API-Key": "bench"},
                                    timeout=(10, 60)).json(),
                lambda: client.json("GET", "/ping")),
        "post": (lambda: session.post(url + "/echo", data=json.dumps(PAYLOAD),
                                      timeout=(10, 60),
                                      headers={"X-API-Key": "bench",
                                               "Content-Type": "application/json"}).json(),
                 lambda: client.json("POST", "/echo", json=PAYLOAD))}
    gemelo = servers.get("gemelo")
    if gemelo is not None:
        import voicekit_core as vk

        g_url, keys = gemelo["url"], gemelo["keys"]
        provider = vk.connect("gemelo", base_url=g_url, **keys)
        headers = {"X-Client-Key": keys["client_key"], "X-Client-ID": keys["client_key"],
                   "X-API-Key": keys["api_key"]}
        body = {"voiceId": 35, "text": TEXT, "voiceType": "system"}
        found["synthesize"] = (
            lambda: session.post(g_url + "/v1/tts/convert", json=body, headers=headers,
                                 timeout=(10, 60)).content,
            lambda: provider.synthesize(TEXT, voice="35"))
    return found


@contextmanager
def servers() -> Iterator[dict[str, Any]]:
    """The core loopback server, and the Gemelo emulator when voicekit-gemelo is here."""
    from _harness import child_emulator
    from bench_transport import Server

    with ExitStack() as stack:
        found: dict[str, Any] = {"core": stack.enter_context(Server())}
        try:
            import voicekit_gemelo  # noqa: F401
        except ImportError:
            pass
        else:
            found["gemelo"] = stack.enter_context(child_emulator(_GEMELO))
        yield found


# -- instructions (callgrind) ------------------------------------------------------------------


def _count_child(kind: str, side: int, where: str) -> None:
    """Run in a process under callgrind: warm up, then COUNTED calls between two markers
    (each ``os.sched_yield()`` makes callgrind dump and zero its counters)."""
    call = pairs(json.loads(where))[kind][side]
    for _ in range(WARMUP):
        call()
    os.sched_yield()
    for _ in range(COUNTED):
        call()
    os.sched_yield()


def _instructions(kind: str, side: int, where: dict[str, Any]) -> float:
    """Instructions per call of ``kind`` (side 0: raw, 1: voicekit)."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        "--dump-before=sched_yield", "--dump-instr=no",
                        sys.executable, __file__, "--count", kind, str(side),
                        json.dumps(where)],
                       check=True, capture_output=True, timeout=900,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
        dumps = sorted(glob.glob(out + ".*"), key=lambda p: int(p.rsplit(".", 1)[1]))
        # dump 1: start-up and warm-up; dump 2: the counted calls; the rest: exit
        return _total(dumps[1]) / COUNTED


def _total(dump: str) -> int:
    match = re.search(r"^(?:summary|totals):\s+(\d+)", Path(dump).read_text(), re.M)
    assert match is not None, f"no totals in {dump}"
    return int(match.group(1))


def _server_instructions(core_url: str) -> tuple[float, float]:
    """Instructions the Gemelo emulator spends per ``synthesize`` request: (raw, voicekit).

    The emulator runs under callgrind; ``callgrind_control -d`` dumps its counters, which
    happens when the next request wakes it, so each phase starts with one raw call."""
    from _harness import _CHILD

    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "server.out")
        child = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             "-c", _CHILD.format(setup=_GEMELO)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        try:
            assert child.stdout is not None and child.stdin is not None
            gemelo = json.loads(child.stdout.readline())
            raw, ours = pairs({"core": core_url, "gemelo": gemelo})["synthesize"]

            def dump() -> None:
                subprocess.run(["callgrind_control", "-d", str(child.pid)],
                               capture_output=True, timeout=300, check=True)
                raw()  # wakes the server: the dump happens before it is served

            for _ in range(WARMUP):
                raw(), ours()
            dump()
            for _ in range(COUNTED):
                raw()
            dump()
            for _ in range(COUNTED):
                ours()
            dump()
            child.stdin.close()
            child.wait(timeout=300)
        finally:
            if child.poll() is None:
                child.kill()
        raw_each = _total(out + ".2") / (COUNTED + 1)
        ours_each = (_total(out + ".3") - raw_each) / COUNTED
    return raw_each, ours_each


def instruction_ratios(where: dict[str, Any]) -> dict[str, object]:
    if shutil.which("valgrind") is None:
        return {"instructions": "skipped: valgrind is not installed"}
    import concurrent.futures as cf

    kinds = list(pairs(where))
    with cf.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        counts = {(kind, side): pool.submit(_instructions, kind, side, where)
                  for kind in kinds for side in (0, 1)}
        figures: dict[str, object] = {}
        server = (pool.submit(_server_instructions, where["core"]) if "synthesize" in kinds
                  else None)
        for kind in kinds:
            raw, ours = counts[kind, 0].result(), counts[kind, 1].result()
            figures[f"{kind}_raw_instr_per_call"] = round(raw)
            figures[f"{kind}_voicekit_instr_per_call"] = round(ours)
            figures[f"{kind}_instr_ratio"] = round(ours / raw, 3)
        if server is not None:
            server_raw, server_ours = server.result()
            raw, ours = counts["synthesize", 0].result(), counts["synthesize", 1].result()
            figures["synthesize_server_raw_instr_per_call"] = round(server_raw)
            figures["synthesize_server_voicekit_instr_per_call"] = round(server_ours)
            figures["synthesize_exchange_instr_ratio"] = round(
                (ours + server_ours) / (raw + server_raw), 3)
    return figures


# -- wall clock ----------------------------------------------------------------------------------


def wall_ratios(where: dict[str, Any]) -> dict[str, object]:
    from _harness import median_pair

    def batch(call: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            for _ in range(BATCH):
                call()
            return (time.perf_counter() - start) / BATCH
        return run

    figures: dict[str, object] = {}
    for kind, (raw, ours) in pairs(where).items():
        r, v = median_pair(batch(raw), batch(ours), ROUNDS)
        figures[f"{kind}_raw_us_per_call"] = round(r * 1e6, 1)
        figures[f"{kind}_voicekit_us_per_call"] = round(v * 1e6, 1)
        figures[f"{kind}_ratio"] = round(v / r, 3)
    return figures


def _check(where: dict[str, Any]) -> None:
    """Both sides of every pair get the same answer (not, say, a 400 for the raw one)."""
    for kind, (raw, ours) in pairs(where).items():
        answer, audio = raw(), ours()
        if kind == "synthesize":
            assert answer == getattr(audio, "data", None), "raw call got another answer"
        else:  # the same JSON answer (``/echo`` counts bytes: compact vs spaced JSON)
            assert isinstance(answer, dict) and isinstance(audio, dict), kind
            assert answer.keys() == audio.keys(), f"{kind}: raw call got another answer"


def run() -> dict[str, object]:
    with servers() as where:
        _check(where)
        return {**instruction_ratios(where), **wall_ratios(where)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--count"]:
        _count_child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        for key, value in run().items():
            print(f"{key}: {value}")
