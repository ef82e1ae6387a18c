"""Beautyface benchmark: the cost of voicekit's job machinery and of its lazy voice paging.

Run: ``python bench/bench_beautyface.py`` (needs ``pip install plugins/voicekit-beautyface``
and ``voicekit-core[testing]`` for the emulator).

The emulator runs in a child process (its event loop does not share our GIL), with speeches
that finish at once and no effective rate limit. The provider gets a ManualClock, so the
vendor's 3 s polling rhythm costs no real time: what is measured is pure overhead.

Figures (medians of interleaved runs; ratio = voicekit / raw requests, 1.0 = no overhead):
    synthesize_ms / raw_speech_ms / synthesize_overhead_ratio: ``provider.synthesize()``
        (validation, POST /tts, a Job polled once through PollPolicy, the audio downloaded
        from the storage origin without credentials) against a raw ``requests.Session``
        doing the same submit / poll / download.
    list_voices_ms / raw_paging_ms / list_voices_overhead_ratio: iterating
        ``list_voices()`` over all 506 voices (6 pages of 100, built into Voice objects)
        against a raw loop over the same pages following ``pagination.hasNext``.
"""

from __future__ import annotations

from typing import Any

from _harness import child_emulator, median_pair, timed

_SETUP = """
from voicekit_beautyface.emulator import BeautyfaceEmulator
emu = BeautyfaceEmulator(tts_seconds=0, credits=10**12, rate_limit=10**9)
for i in range(500):
    emu.add_voice(f"Bench voice {i:03d}", age=100.0 + i, tags=["en"])
emu.start()
extra = {"voice": next(v["id"] for v in emu.voices.values() if v["title"] == "Aria")}
"""
TEXT = "Hello from voicekit, speaking through the Voice Clone and TTS API."
SPEECH_CALLS = 200
PAGING_CALLS = 40


def speech_overhead(url: str, key: str, voice: str) -> dict[str, float]:
    import requests

    import voicekit_core as vk
    from voicekit_core.clock import ManualClock

    provider: Any = vk.connect("beautyface", base_url=url, api_key=key, clock=ManualClock())
    session = requests.Session()
    auth = {"Authorization": f"Bearer {key}"}
    payload = {"text": TEXT, "voiceId": voice, "format": "mp3"}

    @timed
    def raw() -> None:
        submitted = session.post(f"{url}/tts", json=payload, headers=auth, timeout=(10, 60))
        submitted.raise_for_status()
        speech_id = submitted.json()["speechId"]
        while True:
            status = session.get(f"{url}/tts/{speech_id}", headers=auth, timeout=(10, 60))
            status.raise_for_status()
            speech = status.json()["speech"]
            if speech["status"] == "COMPLETED":
                break
        audio = session.get(speech["audioUrl"], timeout=(10, 60))  # storage: no key
        audio.raise_for_status()
        assert audio.content

    @timed
    def ours() -> None:
        assert provider.synthesize(TEXT, voice=voice, format="mp3").data

    raw_s, our_s = median_pair(raw, ours, SPEECH_CALLS, warmup=20)
    provider.close()
    session.close()
    return {"raw_speech_ms": round(raw_s * 1000, 3), "synthesize_ms": round(our_s * 1000, 3),
            "synthesize_overhead_ratio": round(our_s / raw_s, 3)}


def paging_overhead(url: str, key: str) -> dict[str, float]:
    import requests

    import voicekit_core as vk

    provider: Any = vk.connect("beautyface", base_url=url, api_key=key)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {key}"}
    counts: dict[str, int] = {}

    @timed
    def raw() -> None:
        page, seen = 1, 0
        while True:
            response = session.get(f"{url}/voices", headers=auth, timeout=(10, 60), params={
                "page": page, "limit": 100, "status": "COMPLETED"})
            response.raise_for_status()
            body = response.json()
            seen += len(body["voices"])
            if not body["pagination"]["hasNext"]:
                break
            page += 1
        counts["raw"] = seen

    @timed
    def ours() -> None:
        counts["ours"] = sum(1 for _ in provider.list_voices())

    raw_s, our_s = median_pair(raw, ours, PAGING_CALLS)
    assert counts["raw"] == counts["ours"] == 506, counts
    provider.close()
    session.close()
    return {"raw_paging_ms": round(raw_s * 1000, 3), "list_voices_ms": round(our_s * 1000, 3),
            "list_voices_overhead_ratio": round(our_s / raw_s, 3)}


def run() -> dict[str, object]:
    """All figures, in one run (about 15 s)."""
    with child_emulator(_SETUP) as child:
        url, key = child["url"], child["keys"]["api_key"]
        figures: dict[str, object] = dict(speech_overhead(url, key, child["extra"]["voice"]))
        figures.update(paging_overhead(url, key))
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
