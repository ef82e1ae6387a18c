"""Hypothesis strategies of hostile vendor answers and hostile user inputs.

- :func:`hostile_scalars` / :func:`hostile_json`: JSON values of every wrong kind (nulls,
  strings for numbers, NaN/Infinity literals, huge ints, lone surrogates, long strings,
  lists where objects belong) under the keys vendors use.
- :func:`mutated`: a real answer (recorded from the emulator) with parts replaced, dropped
  or re-typed, so the client gets deep into its parsing before meeting the fault.
- :func:`responses`: whole raw answers: random statuses (odd ones too), junk and
  contradictory headers (Content-Type, Content-Length, Retry-After, X-RateLimit-*,
  Location, charsets), malformed / deeply nested / huge JSON, HTML or text instead of
  audio, truncated bodies and broken framing.
- :func:`ws_frames`: what a WebSocket server might send after accepting: junk binary,
  hostile JSON text frames, invalid UTF-8, stray control and continuation frames, close
  frames with any code (also ones not allowed on the wire) and reasons, frames cut short.
- :func:`hostile_inputs`: values a user might pass anywhere (NaN, inf, huge ints,
  surrogates, wrong types, paths that are not files).

URLs generated here only ever point at loopback (the fuzz server or a closed port) or
are not fetchable at all: fuzzing never contacts another host.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from voicekit_core.testing.fuzz_server import FRAMINGS, FuzzResponse, ws_frame

__all__ = ["KEYS", "hostile_inputs", "hostile_json", "hostile_scalars", "mutated",
           "responses", "urls", "ws_frames"]

#: keys vendors put their data under (mixed with the keys of recorded answers)
KEYS = ("id", "name", "title", "status", "state", "message", "error", "code", "detail",
        "data", "items", "voices", "results", "next", "cursor", "nextCursor", "next_cursor",
        "page", "total", "count", "hasMore", "has_more", "url", "audio_url", "audioUrl",
        "download_url", "upload_url", "uploadUrl", "credits", "balance", "progress",
        "result", "voice", "voice_id", "voiceId", "duration", "format", "sample_rate",
        "created_at", "createdAt", "language", "success", "type", "errors", "link")

_STATUSES = (200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 402, 403,
             404, 405, 408, 409, 410, 413, 415, 422, 425, 429, 500, 501, 502, 503, 504)
_CONTENT_TYPES = ("application/json", "application/json; charset=utf-8",
                  "application/json; charset=bogus-8", "application/json; charset=utf-16",
                  "application/problem+json", "text/html; charset=utf-8", "text/plain",
                  "text/xml", "application/xml", "audio/mpeg", "audio/wav", "audio/x-wav",
                  "audio/ogg", "audio/pcm", "audio/wav; charset=latin-1", "video/mp4",
                  "application/octet-stream", "multipart/form-data; boundary=x", "",
                  "*/*", ";;;", "application/json; charset=\"", "\u00e9/\u00e9")
_NUMBERS = ("0", "-1", "1", "7", "1.5", "inf", "-inf", "nan", "NaN", "1e400", "1e-400",
            "99999999999999999999999999", "-99999999999999999999", " 5 ", "5, 6", "",
            "abc", "0x10", "Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 3000 00:00:00 GMT",
            "Mon, 99 Foo 2015 99:99:99 XYZ", "\u00b2", "1_000")


@functools.lru_cache(maxsize=64)
def urls(base: str = "http://127.0.0.1:1") -> st.SearchStrategy[str]:
    """URL-ish strings: loopback (``base``, a closed port), relative, or malformed."""
    return st.sampled_from((
        base + "/x", base + "/files/a.wav?sig=1", base, base + "/../../etc", base + "/%zz",
        "http://127.0.0.1:1/closed", "http://127.0.0.1:99999/x", "http://[::1",
        "http://user:pass@127.0.0.1:1/x", "/relative/path", "relative", "", " ", "//",
        "http://", "ftp://127.0.0.1/x", "javascript:alert(1)", "file:///etc/passwd",
        "http://127.0.0.1:1/a b", "http://127.0.0.1:1/\x00", "http://\ud800/",
        base + "?cursor=" + "a" * 5000, "data:audio/wav;base64,UklGRg==", "\u00e9\u00e9"))


@functools.lru_cache(maxsize=64)
def _safe_text(max_size: int = 40) -> st.SearchStrategy[str]:
    # no ':' or '/', so a random string is never a URL to some host
    return st.text(st.characters(blacklist_characters=":/"), max_size=max_size)


@functools.lru_cache(maxsize=64)
def hostile_scalars(base: str = "http://127.0.0.1:1") -> st.SearchStrategy[Any]:
    """Single JSON values of every awkward kind."""
    return st.one_of(
        st.none(), st.booleans(),
        st.sampled_from((0, -1, 1, 2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30,
                         10**400)),
        st.integers(), st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from((float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 5e-324)),
        _safe_text(), st.sampled_from(("", " ", "0", "-1", "1e999", "NaN", "null", "true",
                                       "\ud800", "\udfff", "a\x00b", "\u202e", "x" * 70_000,
                                       "COMPLETED", "done", "FAILED", "error")),
        urls(base), st.just([]), st.just({}))


@functools.lru_cache(maxsize=64)
def hostile_json(keys: Sequence[str] = KEYS, base: str = "http://127.0.0.1:1",
                 max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Nested JSON values (objects under vendor keys, lists, scalars)."""
    return st.recursive(
        hostile_scalars(base),
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(st.sampled_from(tuple(keys)), children, max_size=6)),
        max_leaves=max_leaves)


@st.composite
def mutated(draw: st.DrawFn, value: Any, keys: Sequence[str] = KEYS,
            base: str = "http://127.0.0.1:1", depth: int = 0) -> Any:
    """``value`` with some parts replaced by hostile ones, dropped or re-typed."""
    action = draw(_D12)
    if action == 0:
        return draw(hostile_scalars(base))
    if action == 1 and depth < 3:
        return draw(hostile_json(tuple(keys), base, max_leaves=8))
    if action == 2 and isinstance(value, dict):
        return list(value.values())  # a list where an object was
    if action == 3 and isinstance(value, list):
        return {str(i): v for i, v in enumerate(value[:3])}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in list(value.items())[:40]:
            step = draw(_D6)
            if step == 0:
                continue  # dropped
            out[key] = draw(mutated(item, keys, base, depth + 1)) if step == 1 else item
        if draw(_D7) == 0:
            out[draw(_key(tuple(keys)))] = draw(hostile_scalars(base))
        return out
    if isinstance(value, list):
        head = value[: draw(_D5)]
        items = [draw(mutated(item, keys, base, depth + 1)) for item in head]
        if items and draw(_D6) == 0:
            items = items * 3  # repeated items (paging loops)
        return items
    return value


_D4, _D5, _D6, _D7, _D12 = (st.integers(0, n - 1) for n in (4, 5, 6, 7, 12))
_KNOWN_STATUS = st.sampled_from(_STATUSES)
_ANY_STATUS = st.one_of(_KNOWN_STATUS, st.integers(100, 999))
_CONTENT_TYPE = st.sampled_from(_CONTENT_TYPES)
_FRAMING = st.sampled_from(FRAMINGS)


@functools.lru_cache(maxsize=64)
def _key(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(keys)


def _encode(value: Any) -> bytes:
    try:
        return json.dumps(value).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        return b'{"broken": '


@functools.lru_cache(maxsize=64)
def _bodies(keys: Sequence[str], base: str) -> st.SearchStrategy[bytes]:
    depth = st.integers(50, 200_000)
    return st.one_of(
        hostile_json(tuple(keys), base).map(_encode),
        st.binary(max_size=300),
        st.sampled_from((b"", b"{", b'{"a": ', b"null", b"[]", b"{}", b'"just a string"',
                         b"NaN", b"Infinity", b'{"a": NaN, "b": -Infinity}', b"\xff\xfe\x00",
                         b"\xef\xbb\xbf{}", b'{"a": "\\ud800"}', b'{"a": "\\x"}',
                         b"1" * 5000, b'{"id": 1e400}',
                         b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                         b"<!DOCTYPE html><html><title>Login</title></html>",
                         b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>",
                         b"RIFF\x24\x00\x00\x00WAVEfmt ", b"ID3\x03\x00", b"OggS",
                         b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00",
                         b'{"error": {"error": {"error": {"message": 5}}}}')),
        depth.map(lambda n: b"[" * n + b"]" * n),
        depth.map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        st.integers(10_000, 300_000).map(lambda n: b'{"items": [' + b"0," * n + b"0]}"))


@functools.lru_cache(maxsize=64)
def _headers(base: str) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    number = st.sampled_from(_NUMBERS)
    pair = st.one_of(
        st.tuples(st.just("Content-Type"), st.sampled_from(_CONTENT_TYPES)),
        st.tuples(st.just("Content-Length"), number),
        st.tuples(st.sampled_from(("Retry-After", "X-RateLimit-Reset", "X-RateLimit-Limit",
                                   "X-RateLimit-Remaining", "RateLimit-Reset",
                                   "Retry-After-Ms", "X-Audio-Duration", "X-Duration-Ms",
                                   "X-Sample-Rate", "X-Credits-Used")), number),
        st.tuples(st.just("Location"), urls(base)),
        st.tuples(st.just("Content-Encoding"), st.sampled_from(("gzip", "br", "x-junk"))),
        st.tuples(st.sampled_from(("X-Request-Id", "Content-Disposition", "Set-Cookie")),
                  _safe_text(30).filter(lambda s: "\r" not in s and "\n" not in s)))
    return st.lists(pair, max_size=5).map(tuple)


_CLOSE_CODES = (1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1015, 3000,
                4000, 4001, 4003, 4008, 4400, 4401, 4402, 4403, 4404, 4408, 4429, 4500, 4999, 0,
                999, 5000, 65535)
_REASONS = ("", "bye", "Unauthorized: invalid api key sk-live-0123456789abcdef",
            "x" * 200, "Insufficient credits", "\u00e9\u00e9", "rate limited, retry in inf")


@functools.lru_cache(maxsize=64)
def ws_frames(keys: tuple[str, ...] = KEYS, base: str = "http://127.0.0.1:1"
              ) -> st.SearchStrategy[tuple[bytes, ...]]:
    """Raw server frames for one WebSocket session."""
    reason = st.one_of(st.sampled_from(_REASONS).map(lambda r: r.encode()),
                       st.binary(max_size=20))
    close = st.tuples(st.sampled_from(_CLOSE_CODES), reason).map(
        lambda c: ws_frame(8, c[0].to_bytes(2, "big") + c[1]))
    frame = st.one_of(
        st.binary(max_size=400).map(lambda b: ws_frame(2, b)),
        st.just(ws_frame(2, b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00")),
        hostile_json(keys, base, max_leaves=10).map(lambda v: ws_frame(1, _encode(v))),
        st.sampled_from((b"\xff\xfe", b"not json", b"{", b'{"type": "error"}',
                         b'{"error": {"message": null}}')).map(lambda b: ws_frame(1, b)),
        st.sampled_from((ws_frame(9, b"ping"), ws_frame(10, b""), ws_frame(0, b"stray"),
                         ws_frame(3, b"reserved"), ws_frame(2, b"part", fin=False),
                         ws_frame(8, b"\x03"), ws_frame(8, b""),
                         ws_frame(2, b"cut", cut=True))))
    return st.tuples(st.lists(frame, max_size=6), st.one_of(st.none(), close)).map(
        lambda fc: tuple(fc[0]) + ((fc[1],) if fc[1] is not None else ()))


@st.composite
def responses(draw: st.DrawFn, keys: Sequence[str] = KEYS, base: str = "http://127.0.0.1:1",
              sample: FuzzResponse | None = None) -> FuzzResponse:
    """One hostile raw answer; with ``sample``, often a mutation of that real answer."""
    if sample is not None and draw(_D4) > 0:
        status = sample.status if draw(_D5) else draw(_KNOWN_STATUS)
        headers = sample.headers
        if draw(_D4) == 0:
            headers = headers + draw(_headers(base))
        body = sample.body
        if draw(_D4) > 0:
            try:
                body = _encode(draw(mutated(json.loads(sample.body), keys, base)))
            except ValueError:
                body = draw(_bodies(tuple(keys), base))
        framing = draw(_FRAMING) if draw(_D6) == 0 \
            else "length"
        ws = draw(ws_frames(tuple(keys), base)) if draw(_D4) == 0 else None
        return FuzzResponse(status, headers, body, framing, ws)
    status = draw(_ANY_STATUS)
    content_type = draw(_CONTENT_TYPE)
    headers = ((("Content-Type", content_type),) if content_type else ()) + draw(
        _headers(base))
    framing = draw(_FRAMING) if draw(_D4) == 0 else "length"
    ws = draw(ws_frames(tuple(keys), base)) if draw(_D4) == 0 else None
    return FuzzResponse(status, headers, draw(_bodies(tuple(keys), base)), framing, ws)


@functools.lru_cache(maxsize=64)
def hostile_inputs() -> st.SearchStrategy[Any]:
    """Values a user might pass for any parameter."""
    return st.one_of(
        hostile_scalars(), st.binary(max_size=50), st.sampled_from((
            float("nan"), float("inf"), -1, 0, 2**64, -(2**64), True, object(), b"",
            "\ud800", "", " ", ".", "..", "/", "a/b", "?", "#", "\x00", "x" * 100_000,
            "/nonexistent/file.wav", "/dev/null", "/", "/etc/passwd", [], [1, "a"],
            {"a": 1}, ("t",), 1.5, -0.0)))
