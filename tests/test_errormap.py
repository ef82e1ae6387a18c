"""ErrorMap: vendor error bodies read as data, the vendor's origin only, never a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fakevendor import FakeEmulator, FakeProvider

import voicekit_core as vk
from voicekit_core.errormap import ErrorMap, error_text
from voicekit_core.http import HttpResponse
from voicekit_core.provider import Provider
from voicekit_core.testing.media import tone_wav

SECRET = FakeEmulator.credentials["api_key"]


class OutOfCredits(vk.InsufficientCredits):
    """A vendor-specific subclass, as plugins declare them."""


VENDOR_MAP = ErrorMap(
    codes={"NOT_ENOUGH_CREDITS": OutOfCredits, "voice_missing": vk.NotFound},
    statuses={403: vk.InsufficientCredits},
    hints=[(r"credit|balance", vk.InsufficientCredits, (400, 429)),
           (r"api ?key", vk.AuthenticationError)],
    extra={"needCredits": "need", "credits": "have", "bogus": "provider"},
)


def mapped_provider(emulator: FakeEmulator, errors: ErrorMap, **options: Any) -> Provider:
    """A fakevendor provider that uses the default parse_error with ``errors``."""
    cls = type("MappedProvider", (FakeProvider,),
               {"errors": errors, "parse_error": Provider.parse_error})
    return cls(**emulator.connect_options(max_retries=0, **options))  # type: ignore[no-any-return]


@pytest.fixture
def vendor(emulator: FakeEmulator, voicekit_fast_retries: None) -> Iterator[Provider]:
    p = mapped_provider(emulator, VENDOR_MAP)
    yield p
    p.close()


def fail_with(emulator: FakeEmulator, status: int, body: Any, **headers: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    emulator.faults.add("GET /balance", "status", status=status, body=raw, headers=headers)


def balance_error(provider: Any) -> vk.VoicekitError:
    with pytest.raises(vk.VoicekitError) as info:
        provider.balance()
    return info.value


@pytest.mark.parametrize(("body", "message", "code"), [
    ({"message": "plain"}, "plain", None),
    ({"error": {"code": "E1", "message": "nested"}}, "nested", "E1"),
    ({"detail": [{"loc": ["body", "x"], "msg": "bad x"}]}, "body.x: bad x", None),
    ({"error": "just a string", "error_code": 7}, "just a string", "7"),
    ({"code": "SOME_CODE"}, "some code", "SOME_CODE"),
    ({"code": True, "message": "bool code ignored"}, "bool code ignored", None),
    ({"code": "Not a code", "error_code": "E_2", "message": "m"}, "m", "E_2"),
    ({}, "HTTP 418", None),
])
def test_default_map_reads_common_envelopes(emulator: FakeEmulator, body: Any, message: str,
                                            code: str | None) -> None:
    provider = mapped_provider(emulator, ErrorMap())
    fail_with(emulator, 418, body)
    error = balance_error(provider)
    assert type(error) is vk.ProviderError
    assert error.message == message and error.code == code and error.status == 418


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"code": "not_enough_credits", "message": "top up"}, OutOfCredits),  # case-folded
    (404, {"code": "VOICE_MISSING"}, vk.NotFound),
    (403, {"message": "forbidden"}, vk.InsufficientCredits),  # statuses override
    (400, {"message": "your balance is too low"}, vk.InsufficientCredits),  # hint + status
    (500, {"message": "balance service down"}, vk.ServerError),  # hint limited to 400/429
    (401, {"message": "bad API key"}, vk.AuthenticationError),
    (422, {"message": "bad pitch"}, vk.InvalidRequest),  # status default
])
def test_codes_hints_and_statuses_choose_the_class(emulator: FakeEmulator, vendor: Provider,
                                                   status: int, body: Any,
                                                   expected: type) -> None:
    fail_with(emulator, status, body)
    assert type(balance_error(vendor)) is expected


def test_extra_fields_fill_the_error_and_unknown_keywords_are_dropped(
        emulator: FakeEmulator, vendor: Provider) -> None:
    fail_with(emulator, 402, {"code": "NOT_ENOUGH_CREDITS", "message": "no money",
                              "needCredits": "12.5", "credits": 3, "bogus": 1})
    error = balance_error(vendor)
    assert isinstance(error, OutOfCredits)
    assert (error.have, error.need) == (3, 12.5)
    assert error.provider == "fakevendor"  # "bogus" -> provider= was not passed through
    assert "needs 12.5 credits, the account has 3" in error.message


def test_extra_values_that_are_not_finite_numbers_are_ignored(emulator: FakeEmulator,
                                                              vendor: Provider) -> None:
    fail_with(emulator, 402, b'{"needCredits": NaN, "credits": true, "message": "x"}')
    error = balance_error(vendor)
    assert isinstance(error, vk.InsufficientCredits)
    assert (error.have, error.need) == (None, None)


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,  # deep nesting: RecursionError inside json
    b'{"message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b"\xff\xfe not utf-8 \x00",
    b"null", b"[]", b'"a string"', b"12", b'{"message": {"message": {"message": {}}}}',
    b'{"message": 1e999}', b'{"code": ' + b"9" * 5000 + b"}",
])
def test_details_never_raises_on_hostile_bodies(emulator: FakeEmulator, vendor: Provider,
                                                body: bytes) -> None:
    fail_with(emulator, 400, body)
    error = balance_error(vendor)
    assert isinstance(error, vk.ProviderError)
    assert error.status == 400 and len(error.message) <= 1100


def test_details_reads_a_response_directly(emulator: FakeEmulator) -> None:
    fail_with(emulator, 429, {"error": {"code": "SLOW", "message": "slow down"}},
              **{"Retry-After": "3"})
    raw = requests.get(emulator.url + "/balance", timeout=5)
    details = VENDOR_MAP.details(HttpResponse(raw, url="u", provider="p"))
    assert (details.message, details.code, details.error) == ("slow down", "SLOW", None)


def test_failure_flag_turns_a_200_into_the_mapped_error(emulator: FakeEmulator) -> None:
    errors = ErrorMap(failure_flag=("success", False), codes={"usage_limit": OutOfCredits})
    fail_with(emulator, 200, {"success": False, "code": "USAGE_LIMIT",
                              "error": f"limit reached for {SECRET}"})
    raw = requests.get(emulator.url + "/balance", timeout=5)
    response = HttpResponse(raw, url="u", provider="p",
                            scrub=lambda t: t.replace(SECRET, "***"))
    errors.check_success(response, {"success": True})
    errors.check_success(response, {"success": 0})  # 0 is not False
    errors.check_success(response, ["success"])
    with pytest.raises(OutOfCredits) as info:
        errors.check_success(response, response.json())
    assert info.value.message == "limit reached for ***" and info.value.status == 200
    assert SECRET not in str(info.value)
    generic = ErrorMap(failure_flag=("success", False))
    with pytest.raises(vk.ProviderError):
        generic.check_success(response, response.json())


def test_storage_403_is_a_refused_link_never_credits(emulator: FakeEmulator, vendor: Provider,
                                                     tmp_path: Path) -> None:
    url = emulator.storage.publish("a.wav", tone_wav(0.1), "audio/wav")
    bad = url.split("X-Amz-Signature=")[0] + "X-Amz-Signature=wrong"
    with pytest.raises(vk.PermissionDenied) as info:
        vendor.download(bad, tmp_path / "a.wav")  # the vendor map says 403 = credits
    assert not isinstance(info.value, vk.InsufficientCredits)
    assert "refused or has expired" in info.value.message
    assert "SignatureDoesNotMatch" in info.value.message
    assert "wrong" not in str(info.value)  # the signature stays out of the message
    assert list(tmp_path.iterdir()) == []


def test_storage_404_and_upload_refusals_are_plain(emulator: FakeEmulator, vendor: Provider,
                                                   tmp_path: Path) -> None:
    url = emulator.storage.publish("a.wav", tone_wav(0.1), "audio/wav")
    with pytest.raises(vk.NotFound):
        vendor.download(url.replace("/a.wav", "/b.wav"), tmp_path / "b.wav")
    target = emulator.storage.presign_upload("up.wav").replace("Signature=", "Signature=x")
    with pytest.raises(vk.PermissionDenied, match="expired"):
        vendor.http.upload(target, vk.audio.AudioSource.from_input(tone_wav(0.1)))


def test_a_broken_parse_error_override_still_raises_a_voicekit_error(
        emulator: FakeEmulator, voicekit_fast_retries: None) -> None:
    def parse_error(self: Any, response: HttpResponse) -> Any:
        raise KeyError("plugin bug")

    cls = type("Broken", (FakeProvider,), {"parse_error": parse_error})
    provider = cls(**emulator.connect_options(max_retries=0))
    fail_with(emulator, 404, {"message": "no such thing"})
    error = balance_error(provider)
    assert isinstance(error, vk.NotFound) and error.message == "no such thing"


def test_a_key_echoed_in_an_error_body_is_scrubbed(emulator: FakeEmulator,
                                                   vendor: Provider) -> None:
    fail_with(emulator, 401, {"message": f"key {SECRET} is not valid"})
    error = balance_error(vendor)
    assert SECRET not in str(error) and "key *** is not valid" in error.message
    fail_with(emulator, 500, f"<html>key={SECRET}</html>".encode(),
              **{"Content-Type": "text/html"})
    assert SECRET not in str(balance_error(vendor))


def test_a_short_key_is_scrubbed_as_a_whole_token_only(emulator: FakeEmulator,
                                                       voicekit_fast_retries: None) -> None:
    provider = mapped_provider(emulator, ErrorMap(), api_key="e")
    fail_with(emulator, 401, {"message": "Unauthorized: the key e was refused"})
    error = balance_error(provider)
    assert error.message == ("Unauthorized: the key *** was refused (the key came from the "
                             "api_key= argument)")  # a 401 says where the key came from


def test_error_text_gives_up_on_deep_nesting() -> None:
    nested: Any = "deep"
    for _ in range(100):
        nested = {"message": nested}
    assert error_text(nested) is None  # gives up past a few levels, never recurses away
    assert error_text({"message": {"detail": "two levels"}}) == "two levels"


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "0"}, 1.5),          # a reset already due still waits the floor
    ({"Retry-After": "4"}, 4.0),          # a longer reset is kept
    ({"X-RateLimit-Reset": "junk"}, 1.5),  # unreadable: soon, but not at once
])
def test_min_retry_after_is_a_floor_for_rate_limits(emulator: FakeEmulator, headers: dict[str, str],
                                                    wait: float) -> None:
    floor = ErrorMap(min_retry_after=1.5)
    fail_with(emulator, 429, {"message": "slow down"}, **headers)
    raw = requests.get(emulator.url + "/balance", timeout=5)
    details = floor.details(HttpResponse(raw, url="u", provider="p"))
    assert details.error is vk.RateLimited
    assert details.extra["retry_after"] == pytest.approx(wait)


@pytest.mark.parametrize(("body", "message"), [
    ({"text": "Not Found", "code": 404, "message": "Voice not found"},
     "Not Found: Voice not found"),
    ({"text": "Bad Request"}, "Bad Request"),  # the title is the only message: once
    ({"text": ["x"], "message": "m"}, "x: m"),
])
def test_a_title_goes_before_the_message(emulator: FakeEmulator, body: Any,
                                         message: str) -> None:
    fail_with(emulator, 404, body)
    raw = requests.get(emulator.url + "/balance", timeout=5)
    titled = ErrorMap(message=("message", "text"), title=("text",))
    assert titled.details(HttpResponse(raw, url="u", provider="p")).message == message


def test_http_json_applies_the_failure_flag_of_the_vendor_origin(emulator: FakeEmulator,
                                                                 tmp_path: Path) -> None:
    errors = ErrorMap(failure_flag=("success", False), codes={"usage_limit": OutOfCredits},
                      extra={"need": "need"})
    provider = mapped_provider(emulator, errors)
    fail_with(emulator, 200, {"success": False, "code": "USAGE_LIMIT", "need": 4,
                              "message": f"over the limit ({SECRET})"})
    with pytest.raises(OutOfCredits) as info:
        provider.balance()
    assert info.value.need == 4 and info.value.status == 200 and SECRET not in str(info.value)
    fail_with(emulator, 200, {"success": True, "credits": 5})
    assert provider.balance().credits == 5
    url = emulator.storage.publish("f.json", b'{"success": false}', "application/json")
    assert provider.http.json("GET", url) == {"success": False}  # not the vendor's answer


def read_details(emulator: FakeEmulator, errors: ErrorMap, status: int, body: Any) -> Any:
    fail_with(emulator, status, body)
    raw = requests.get(emulator.url + "/balance", timeout=5)
    return errors.details(HttpResponse(raw, url="u", provider="acme"))


@pytest.mark.parametrize(("body", "message"), [
    ({"error": {"code": "invalid_parameter", "message": "out of range", "param": "speed"}},
     "out of range (param: speed)"),
    ({"message": "m", "field": "pitch"}, "m (param: pitch)"),  # the second field name
    ({"message": "m", "param": None}, "m"),
    ({"message": "m", "param": {"deep": 1}}, "m"),  # no text in it: left out
    ({"message": "m", "param": "  "}, "m"),
])
def test_field_names_the_parameter_at_fault(emulator: FakeEmulator, body: Any,
                                            message: str) -> None:
    errors = ErrorMap(field=("param", "field"))
    assert read_details(emulator, errors, 400, body).message == message


def test_explain_puts_what_a_code_means_before_the_vendor_message(
        emulator: FakeEmulator, voicekit_fast_retries: None) -> None:
    errors = ErrorMap(explain={"DUB_IS_NOT_NEW": "the dub was already started"},
                      codes={"dub_is_not_new": vk.InvalidRequest}, field=("param",))
    details = read_details(emulator, errors, 400, {"code": "dub_is_not_new",
                                                   "message": "Dub is not new", "param": "id"})
    assert details.message == "the dub was already started (acme: Dub is not new (param: id))"
    assert details.code == "dub_is_not_new" and details.error is vk.InvalidRequest
    other = read_details(emulator, errors, 400, {"code": "other", "message": "Dub is not new"})
    assert other.message == "Dub is not new"
    provider = mapped_provider(emulator, errors)  # through the default parse_error
    fail_with(emulator, 400, {"code": "DUB_IS_NOT_NEW", "message": "no"})
    error = balance_error(provider)
    assert type(error) is vk.InvalidRequest and error.code == "DUB_IS_NOT_NEW"
    assert error.message == "the dub was already started (fakevendor: no)"


@pytest.mark.parametrize(("status", "body", "prefixed"), [
    (402, {"message": "top up"}, True),                  # the status default's class
    (400, {"code": "broke", "message": "top up"}, True),  # a subclass, by code
    (404, {"message": "top up"}, False),
    (500, {"message": "top up"}, False),
])
def test_prefix_goes_before_the_message_of_its_class(emulator: FakeEmulator, status: int,
                                                     body: Any, prefixed: bool) -> None:
    errors = ErrorMap(codes={"broke": OutOfCredits},
                      prefix={vk.InsufficientCredits: "not enough credits: "})
    message = read_details(emulator, errors, status, body).message
    assert message == ("not enough credits: top up" if prefixed else "top up")


def test_decorations_stay_within_the_message_limit(emulator: FakeEmulator) -> None:
    errors = ErrorMap(explain={"c": "why " * 300}, prefix={vk.ProviderError: "p: "},
                      field=("param",))
    details = read_details(emulator, errors, 400, {"code": "c", "message": "m" * 2000,
                                                   "param": "x" * 2000})
    assert details.message.startswith("p: why ") and len(details.message) == 1000
