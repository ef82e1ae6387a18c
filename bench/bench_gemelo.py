"""Benchmark: voicekit-gemelo against raw clients, on the same local Gemelo emulator.

Figures (ratios: voicekit / raw, so 1.0 means "no overhead"):

* ``stream_ttfc_ratio``: time to the first audio chunk of a simplex stream through
  ``stream_synthesize`` vs a bare websocket-client connection sending the same messages.
* ``stream_total_ratio``: the same, for the whole stream.
* ``synthesize_ratio``: ``synthesize()`` (POST /v1/tts/convert) vs a raw
  ``requests.Session`` POST with the same headers and body.

The emulator runs in a child process, so it does not share the client's GIL. Medians over
interleaved runs; bounded to well under a minute. Run: ``python bench/bench_gemelo.py``.
"""

from __future__ import annotations

import json
import statistics
import time

import requests
import websocket
from _harness import child_emulator, median_pair
from voicekit_gemelo.provider import GemeloProvider

import voicekit_core as vk

TEXT = "The quick brown fox jumps over the lazy dog, twice over for good measure."
VOICE = 35
RUNS = 100


_SETUP = """
from voicekit_gemelo.emulator import GemeloEmulator
emu = GemeloEmulator(credits=1e12).start()
"""


def run() -> dict[str, object]:
    """Run the benchmark against a fresh emulator; return the named figures."""
    with child_emulator(_SETUP) as child:
        url, keys = child["url"], child["keys"]
        provider = vk.connect("gemelo", base_url=url, **keys)
        assert isinstance(provider, GemeloProvider)
        ws_url = (url.replace("http://", "ws://")
                  + f"/v1/tts/stream/simplex/ws?voiceId={VOICE}&voiceType=system"
                  "&format=wav&sr=22050")
        auth = json.dumps({"type": "authApiKey", "clientKey": keys["client_key"],
                           "apiKey": keys["api_key"]})
        convert = json.dumps({"type": "convert", "text": TEXT})
        first: dict[str, float] = {}

        def vk_stream() -> float:
            start = time.perf_counter()
            with provider.stream_synthesize(TEXT, voice=VOICE) as stream:
                next(stream)
                first["vk"] = time.perf_counter() - start
                for _ in stream:
                    pass
            return time.perf_counter() - start

        def raw_stream() -> float:
            start = time.perf_counter()
            ws = websocket.create_connection(ws_url, timeout=30)
            ws.send(auth)
            ws.send(convert)
            got_first = False
            while True:
                opcode, _data = ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_BINARY and not got_first:
                    first["raw"] = time.perf_counter() - start
                    got_first = True
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
            ws.shutdown()  # type: ignore[no-untyped-call]
            return time.perf_counter() - start

        ttfc_vk: list[float] = []
        ttfc_raw: list[float] = []

        def vk_once() -> float:
            total = vk_stream()
            ttfc_vk.append(first["vk"])
            return total

        def raw_once() -> float:
            total = raw_stream()
            ttfc_raw.append(first["raw"])
            return total

        stream_vk, stream_raw = median_pair(vk_once, raw_once, RUNS)
        ttfc_v, ttfc_r = statistics.median(ttfc_vk[1:]), statistics.median(ttfc_raw[1:])

        session = requests.Session()
        headers = {"X-Client-Key": keys["client_key"], "X-API-Key": keys["api_key"],
                   "Content-Type": "application/json"}
        body = json.dumps({"voiceId": VOICE, "text": TEXT, "voiceType": "system"})
        convert_url = url + "/v1/tts/convert"

        def vk_synth() -> float:
            start = time.perf_counter()
            provider.synthesize(TEXT, voice=VOICE)
            return time.perf_counter() - start

        def raw_synth() -> float:
            start = time.perf_counter()
            response = session.post(convert_url, data=body, headers=headers, timeout=30)
            response.raise_for_status()
            _ = response.content
            return time.perf_counter() - start

        synth_vk, synth_raw = median_pair(vk_synth, raw_synth, RUNS * 2)
        provider.close()
        session.close()
    return {
        "stream_ttfc_ms_voicekit": round(ttfc_v * 1000, 3),
        "stream_ttfc_ms_raw": round(ttfc_r * 1000, 3),
        "stream_ttfc_ratio": round(ttfc_v / ttfc_r, 3),
        "stream_total_ratio": round(stream_vk / stream_raw, 3),
        "synthesize_ms_voicekit": round(synth_vk * 1000, 3),
        "synthesize_ms_raw": round(synth_raw * 1000, 3),
        "synthesize_ratio": round(synth_vk / synth_raw, 3),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:28} {value}")
