"""VoiceDub benchmark: memory while moving 500 MB through the dub flow, and the flow's
overhead against the same requests sent with a raw ``requests.Session``.

* Memory: a fresh client process dubs a 500 MB WAV (a sparse file in a temp dir, deleted
  afterwards): the upload to the storage origin's presigned URL, then the download of the
  500 MB dub result (the emulator echoes the input). Its RSS is sampled every 5 ms during
  each transfer; the figures are the peak and the growth over the process's baseline.
* Overhead: the whole small-file flow (create, upload, preprocess, poll, generate, download)
  through voicekit vs. the same six requests through requests, best of 3 runs of 100 flows;
  also against raw requests that save the download the way voicekit does (temp file,
  fsync, rename), which isolates voicekit's own cost.

The emulator (``instant=True``, rate limits lifted) runs in its own process.
Run: ``python bench/bench_voicedub.py``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TRANSFER_MB = 500
FLOWS = 100
KEY = "vd-test-key-3c9e51"


def serve(port_file: str) -> None:
    """The emulator process."""
    from voicekit_voicedub.emulator import VoiceDubEmulator


    emulator = VoiceDubEmulator(instant=True).start()
    emulator.rate_limits.clear()  # unlimited
    Path(port_file).write_text(emulator.url)
    while True:
        time.sleep(3600)


class Server:
    def __enter__(self) -> str:
        fd, self._file = tempfile.mkstemp()
        os.close(fd)
        os.unlink(self._file)
        self._proc = subprocess.Popen([sys.executable, __file__, "--serve", self._file])
        deadline = time.monotonic() + 30
        while not os.path.exists(self._file) or not Path(self._file).read_text():
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("the voicedub emulator did not start")
            time.sleep(0.05)
        return Path(self._file).read_text()

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(10)
        os.unlink(self._file)


def _connect(url: str) -> Any:
    import voicekit_core as vk

    return vk.connect("voicedub", base_url=url, api_key=KEY, max_retries=0)


@contextmanager
def _rss_peak(into: dict[str, float]) -> Iterator[None]:
    """Sample this process's RSS every 5 ms while the block runs."""
    import psutil

    me = psutil.Process()
    stop = threading.Event()
    into["baseline_mb"] = me.memory_info().rss / 2**20
    peak = [into["baseline_mb"]]

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], me.memory_info().rss / 2**20)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        into["seconds"] = time.perf_counter() - started
        into["peak_mb"] = max(peak[0], me.memory_info().rss / 2**20)


def _sparse_wav(path: Path, size: int) -> None:
    """A WAV of ``size`` bytes that claims ~171 s (8 ch, 96 kHz, 32 bit), written sparse."""
    from voicekit_core.audio import wav_header

    header = wav_header(sample_rate=96_000, channels=8, sample_width=4, data_size=size - 44)
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(size)


def transfer(url: str) -> None:
    """The client process: one 500 MB dub, RSS measured per transfer (prints JSON)."""
    provider = _connect(url)
    voice = next(provider.list_voices()).id
    size = TRANSFER_MB * 2**20
    upload: dict[str, float] = {}
    download: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "big.wav"
        _sparse_wav(source, size)
        with _rss_peak(upload):
            job = provider.dub(source, voice=voice)
        source.unlink()
        deadline = time.monotonic() + 60
        while not job.done and time.monotonic() < deadline:
            job.refresh()
        result = job.result()
        target = Path(tmp) / "dubbed.wav"
        with _rss_peak(download):
            result.download(target)
        assert target.stat().st_size == size
    print(json.dumps({
        "upload_peak_mb": round(upload["peak_mb"], 1),
        "upload_growth_mb": round(upload["peak_mb"] - upload["baseline_mb"], 1),
        "upload_seconds": round(upload["seconds"], 2),
        "download_peak_mb": round(download["peak_mb"], 1),
        "download_growth_mb": round(download["peak_mb"] - download["baseline_mb"], 1),
        "download_seconds": round(download["seconds"], 2),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def _voicekit_flow(provider: Any, voice: str, audio: bytes, target: Path) -> None:
    job = provider.dub(audio, voice=voice)
    while not job.done:
        job.refresh()
    job.result().download(target)


def _raw_flow(session: Any, url: str, voice: str, audio: bytes, target: Path,
              atomic: bool = False) -> None:
    headers = {"Authorization": f"Api-Key {KEY}"}
    timeout = (10, 60)
    created = session.post(f"{url}/v1/me/dubs", json={"voiceId": voice, "pitchShift": 0,
                                                      "separate": True},
                           headers=headers, timeout=timeout)
    created.raise_for_status()
    body = created.json()
    dub_id = body["dub"]["id"]
    session.put(body["uploadUrl"], data=audio, timeout=timeout).raise_for_status()
    session.post(f"{url}/v1/me/dubs/{dub_id}/preprocess", headers=headers,
                 timeout=timeout).raise_for_status()
    status = session.get(f"{url}/v1/me/dubs/{dub_id}", headers=headers, timeout=timeout)
    assert status.json()["dub"]["status"] == "preprocessed"
    generated = session.post(f"{url}/v1/me/dubs/{dub_id}/generate", headers=headers,
                             timeout=timeout).json()
    part = target.with_suffix(".part") if atomic else target
    with session.get(generated["dub"]["dubUrl"], stream=True, timeout=timeout) as response:
        response.raise_for_status()
        with open(part, "wb") as out:
            for chunk in response.iter_content(64 * 1024):
                out.write(chunk)
            if atomic:  # what voicekit's download does: durable, then renamed into place
                out.flush()
                os.fsync(out.fileno())
    if atomic:
        os.replace(part, target)


def flow_overhead(url: str) -> dict[str, float]:
    import requests

    from voicekit_core.testing.media import tone_wav

    provider = _connect(url)
    session = requests.Session()
    voice = next(provider.list_voices()).id
    audio = tone_wav(1.0)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.wav"

        def timed(fn: Any) -> float:
            started = time.perf_counter()
            for _ in range(FLOWS):
                fn()
            return time.perf_counter() - started

        def ours() -> None:
            _voicekit_flow(provider, voice, audio, target)

        def raw() -> None:
            _raw_flow(session, url, voice, audio, target)

        def raw_atomic() -> None:
            _raw_flow(session, url, voice, audio, target, atomic=True)

        for warm_up in (ours, raw, raw_atomic):
            warm_up()
        raw_s = min(timed(raw) for _ in range(3))
        atomic_s = min(timed(raw_atomic) for _ in range(3))
        vk_s = min(timed(ours) for _ in range(3))
    return {"dub_flow_raw_ms": round(raw_s / FLOWS * 1e3, 2),
            "dub_flow_raw_atomic_ms": round(atomic_s / FLOWS * 1e3, 2),
            "dub_flow_voicekit_ms": round(vk_s / FLOWS * 1e3, 2),
            "dub_flow_ratio": round(vk_s / raw_s, 3),
            "dub_flow_ratio_vs_atomic_raw": round(vk_s / atomic_s, 3)}


def run() -> dict[str, object]:
    results: dict[str, object] = {}
    with Server() as url:
        results.update(flow_overhead(url))
        out = subprocess.run([sys.executable, __file__, "--transfer", url],
                             capture_output=True, text=True, check=True, timeout=300)
        figures = json.loads(out.stdout)
        for key, value in figures.items():
            results[f"{TRANSFER_MB}mb_{key}"] = value
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--transfer":
        transfer(sys.argv[2])
    else:
        for key, value in run().items():
            print(f"{key}: {value}")
