"""Provider's public helpers refuse a wrong-typed first argument with InvalidInput naming it,
never TypeError/AttributeError/KeyError — also through a provider's own ``estimate``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk

BAD_CALLS: dict[str, tuple[Callable[[Any], object], str]] = {
    "estimate(bytearray)": (lambda p: p.estimate(bytearray(b"synthesize")), "operation"),
    "estimate(operation=[])": (lambda p: p.estimate(operation=[], text="hi"), "operation"),
    "check_budget('x', 0)": (lambda p: p.check_budget("x", 0), "cost"),
    "credential(None)": (lambda p: p.credential(None), "option"),
    "credential([])": (lambda p: p.credential([]), "option"),
    "credential('nope')": (lambda p: p.credential("nope"), "option"),
    "poll_policy([])": (lambda p: p.poll_policy([]), "kind"),
    "job_kind({})": (lambda p: p.job_kind({}), "kind"),
    "refresh_job(None)": (lambda p: p.refresh_job(None), "job"),
    "refresh_job('clone')": (lambda p: p.refresh_job("clone"), "job"),
    "reject_unknown(-1)": (lambda p: p.reject_unknown(-1, "a", call="x"), "options"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_a_bad_first_argument_is_invalid_input(emulator: FakeEmulator, provider: Any,
                                               name: str) -> None:
    call, field = BAD_CALLS[name]
    with pytest.raises(vk.InvalidInput) as caught:
        call(provider)
    assert caught.value.field == field
    assert emulator.log == []


def test_good_arguments_still_work(provider: Any) -> None:
    assert provider.estimate("synthesize", text="hello") == vk.Cost(5.0)
    assert provider.credential("api_key").reveal() == FakeEmulator.credentials["api_key"]
    provider.check_budget(vk.Cost(1.0), 2)
    with pytest.raises(vk.InvalidInput, match="unknown option"):
        provider.reject_unknown({"b": 1, 2: 3}, "a", call="x")
