"""Making a fuzz finding small enough to read.

:func:`minimise` replays an :class:`~voicekit_core.testing.fuzz.Escape` with simpler answers
(fewer answers, fewer headers, plain framing, no WebSocket frames, smaller JSON) and keeps
each simplification that still raises the same exception at the same line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs

from voicekit_core.testing.fuzz import Escape, Runner
from voicekit_core.testing.fuzz_server import FuzzResponse

__all__ = ["minimise"]

_SMALL_BODIES = (b"", b"null", b"{}", b"[]", b"0", b'""')


def _smaller_json(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
        for key, item in value.items():
            for smaller in _smaller_json(item):
                yield {**value, key: smaller}
    elif isinstance(value, list):
        if len(value) > 1:
            yield value[:1]
            yield value[: len(value) // 2]
        for i, item in enumerate(value[:3]):
            for smaller in _smaller_json(item):
                yield [*value[:i], smaller, *value[i + 1:]]
    elif isinstance(value, str) and len(value) > 8:
        yield value[:8]


def _bodies(body: bytes) -> Iterator[bytes]:
    for small in _SMALL_BODIES:
        if len(small) < len(body):
            yield small
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        if len(body) > 16:
            yield body[: len(body) // 2]
        return
    for smaller in _smaller_json(value):
        try:
            yield json.dumps(smaller).encode()
        except (ValueError, TypeError):
            continue


def _candidates(answer: FuzzResponse) -> Iterator[FuzzResponse]:
    if answer.ws is not None:
        yield attrs.evolve(answer, ws=None)
    if answer.framing != "length":
        yield attrs.evolve(answer, framing="length")
    for i in range(len(answer.headers)):
        yield attrs.evolve(answer, headers=answer.headers[:i] + answer.headers[i + 1:])
    for body in _bodies(answer.body):
        if len(body) < len(answer.body) or body != answer.body:
            yield attrs.evolve(answer, body=body)


def minimise(runner: Runner, escape: Escape, *, budget: int = 300) -> Escape:
    """``escape`` with the smallest answers found (within ``budget`` replays) that still
    raise the same exception type at the same line. Hangs are returned as they are."""
    if escape.hang:
        return escape
    target = (escape.error, escape.where)
    best = escape
    tries = 0

    def holds(answers: tuple[FuzzResponse, ...]) -> bool:
        nonlocal best, tries
        tries += 1
        found = runner.run(escape.operation, answers, escape.value)
        if found is not None and (found.error, found.where) == target:
            best = found
            return True
        return False

    changed = True
    while changed and tries < budget:
        changed = False
        answers = best.responses
        for i in reversed(range(len(answers))):  # fewer answers first
            if len(answers) > 1 and tries < budget \
                    and holds(answers[:i] + answers[i + 1:]):
                changed = True
                break
        if changed:
            continue
        for i, answer in enumerate(answers):
            for candidate in _candidates(answer):
                if tries >= budget:
                    break
                if holds((*answers[:i], candidate, *answers[i + 1:])):
                    changed = True
                    break
            if changed:
                break
    return best
