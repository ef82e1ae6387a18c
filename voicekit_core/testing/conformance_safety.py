"""Safety checks of the conformance suite (mixed into ``ProviderConformance``).

What a user must be able to rely on for every provider, whatever the vendor:

- an unknown option is refused (InvalidInput naming it) before any request;
- ``max_credits=0`` refuses a spending call without spending (and without a request when the
  price is known up front); a malformed ``max_credits`` is InvalidInput before any request;
- listings go past page one, and a vendor that repeats a page ends in BadResponse, not a loop;
- a job resumes from its reference in a fresh provider;
- an HTML page where audio belongs is BadResponse; a storage 403 is PermissionDenied;
- hostile vendor answers (fuzzed) never let anything but a VoicekitError escape.

Hooks a plugin fills in (each has a default, and a check without what it needs skips):
``options_probe``, ``paging_match`` / ``paging_min_items`` / ``seed_pages`` / ``list_all``,
``spending_calls`` / ``priced_by_server``, ``job_starter``, ``audio_origin`` /
``audio_match``, ``fuzz_examples``.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from voicekit_core import capabilities as caps
from voicekit_core.errors import (
    BadResponse,
    CreditLimitExceeded,
    InvalidInput,
    PermissionDenied,
    VoicekitError,
)
from voicekit_core.jobs import Job
from voicekit_core.provider import Provider
from voicekit_core.registry import connect
from voicekit_core.testing.emulator import Emulator, Fault
from voicekit_core.testing.fuzz import consume, recording
from voicekit_core.testing.fuzz_plugin import CALLS  # capability -> (method, args hook)

__all__ = ["SafetyChecks"]

UNKNOWN_OPTION = "definitely_not_an_option"
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
             b"<body><h1>Please sign in</h1></body></html>")
STORAGE_DENIED = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                  b"<Message>Request has expired</Message></Error>")


def _log_sizes(emulator: Emulator | None) -> tuple[int, int]:
    if emulator is None:
        return (0, 0)
    return len(emulator.log), len(emulator.storage.log)


class SafetyChecks:
    """The checks; ``ProviderConformance`` supplies the fixtures and ``*_args`` hooks."""

    #: route glob of the listing requests (``"GET /v1/voices"``), for the repeated-page check
    paging_match: ClassVar[str | None] = None
    #: how many items the emulator serves, over more than one page, without seeding
    paging_min_items: ClassVar[int | None] = None
    #: spending calls whose price only the vendor knows (requests allowed under max_credits=0)
    priced_by_server: ClassVar[frozenset[str]] = frozenset()
    #: where synthesize's audio comes from: ``"api"`` or ``"storage"``, and its route glob
    audio_origin: ClassVar[str] = "api"
    audio_match: ClassVar[str] = "*"
    #: hostile answers tried by test_fuzz_response_parsing
    fuzz_examples: ClassVar[int] = 50

    # -- hooks ---------------------------------------------------------------------------

    def capability_calls(self, provider: Provider, tmp_path: Path
                         ) -> dict[str, tuple[str, dict[str, Any]]]:
        """name -> (method, keyword arguments) for each capability the ``*_args`` hooks
        can feed (hooks raising NotImplementedError are left out)."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for capability, method, hook in CALLS:
            if not isinstance(provider, capability):
                continue
            make = getattr(self, hook)
            try:
                wants_path = "tmp_path" in inspect.signature(make).parameters
                args = make(provider, tmp_path) if wants_path else make(provider)
            except NotImplementedError:
                continue
            found[method] = (method, dict(args))
        return found

    def options_probe(self, provider: Provider, tmp_path: Path
                      ) -> dict[str, Callable[..., object]]:
        """Calls that take ``**options`` (valid arguments bound): the unknown-option check
        calls each with one made-up option."""
        calls: dict[str, Callable[..., object]] = {}
        if isinstance(provider, caps.ListVoices):
            calls["list_voices"] = lambda **o: consume(provider.list_voices(**o))
        for name, (method, args) in self.capability_calls(provider, tmp_path).items():
            calls[name] = _bound(provider, method, args, tmp_path)
        return calls

    def spending_calls(self, provider: Provider, tmp_path: Path
                       ) -> dict[str, Callable[[Any], object]]:
        """name -> ``call(max_credits)`` for the calls that spend credits (default: the
        capability calls whose signature has ``max_credits``)."""
        calls: dict[str, Callable[[Any], object]] = {}
        for name, (method, args) in self.capability_calls(provider, tmp_path).items():
            if "max_credits" in inspect.signature(getattr(provider, method)).parameters:
                calls[name] = _spending(_bound(provider, method, args, tmp_path))
        return calls

    def seed_pages(self, emulator: Emulator, pages: int) -> int | None:
        """Make the started ``emulator``'s listing span at least ``pages`` pages; return
        how many items :meth:`list_all` must yield (None: skip the paging checks)."""
        return self.paging_min_items

    def list_all(self, provider: Provider) -> Iterator[Any]:
        """The paged listing under test (default: ``list_voices()``)."""
        if not isinstance(provider, caps.ListVoices):
            pytest.skip(f"{provider.name} has no list_voices; override list_all")
        return provider.list_voices()

    def job_starter(self, provider: Provider, tmp_path: Path) -> Job[Any] | None:
        """Start one job (default: the first of clone_voice, dub, create_twin,
        generate_video)."""
        calls = self.capability_calls(provider, tmp_path)
        for name in ("clone_voice", "dub", "create_twin", "generate_video"):
            if name in calls:
                method, args = calls[name]
                job = getattr(provider, method)(**args)
                if isinstance(job, Job):
                    return job
        return None

    # -- options and budgets -------------------------------------------------------------

    def test_unknown_options_are_refused_before_any_request(
            self, emulator: Emulator | None, provider: Provider, tmp_path: Path) -> None:
        calls = self.options_probe(provider, tmp_path)
        if not calls:
            pytest.skip("no calls to probe")
        problems = []
        for name, call in calls.items():
            before = _log_sizes(emulator)
            try:
                call(**{UNKNOWN_OPTION: 1})
            except InvalidInput as exc:
                if UNKNOWN_OPTION not in str(exc):
                    problems.append(f"{name}: the refusal does not name the option: {exc}")
            except VoicekitError as exc:
                problems.append(f"{name}: {type(exc).__name__} instead of InvalidInput: {exc}")
            except Exception as exc:  # e.g. TypeError from a signature: never for users
                problems.append(f"{name}: {type(exc).__name__} escaped (not a VoicekitError): "
                                f"{exc}")
            else:
                problems.append(f"{name}: accepted {UNKNOWN_OPTION}=1")
            if _log_sizes(emulator) != before:
                problems.append(f"{name}: sent a request before refusing")
        assert not problems, "\n".join(problems)

    def test_max_credits_zero_refuses_without_spending(
            self, remote: Emulator, provider: Provider, tmp_path: Path) -> None:
        calls = self.spending_calls(provider, tmp_path)
        if not calls:
            pytest.skip("no spending calls take max_credits")
        problems = []
        for name, call in calls.items():
            balance, before = remote.ledger.balance, _log_sizes(remote)
            try:
                call(0)
            except CreditLimitExceeded:
                pass
            except VoicekitError as exc:
                problems.append(f"{name}: {type(exc).__name__} instead of "
                                f"CreditLimitExceeded: {exc}")
            else:
                problems.append(f"{name}: max_credits=0 was not refused")
            if name not in self.priced_by_server and _log_sizes(remote) != before:
                problems.append(f"{name}: sent a request although the price is known")
            if remote.ledger.balance != balance:
                problems.append(f"{name}: spent {balance - remote.ledger.balance} credits")
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize("budget", [float("nan"), -1, "5", True, float("inf")])
    def test_malformed_max_credits_is_invalid_input_before_any_request(
            self, emulator: Emulator | None, provider: Provider, tmp_path: Path,
            budget: object) -> None:
        calls = self.spending_calls(provider, tmp_path)
        if not calls:
            pytest.skip("no spending calls take max_credits")
        for name, call in calls.items():
            before = _log_sizes(emulator)
            with pytest.raises(InvalidInput, match="max_credits"):
                call(budget)
            assert _log_sizes(emulator) == before, f"{name} sent a request"

    # -- paging --------------------------------------------------------------------------

    def test_paging_goes_past_page_one(self, emulator: Emulator | None,
                                       provider: Provider) -> None:
        if emulator is None:
            pytest.skip("a local provider does not page")
        expected = self.seed_pages(emulator, 3)
        if expected is None:
            pytest.skip("set paging_min_items or seed_pages to check paging")
        before = len(emulator.log)
        items = list(itertools.islice(self.list_all(provider), expected + 10_000))
        assert len(items) >= expected
        keys = [getattr(item, "id", None) or repr(item) for item in items]
        assert len(set(keys)) == len(keys), "the listing repeated items"
        assert len(emulator.log) - before >= 2, "the listing took a single request"

    def test_a_repeated_page_is_bad_response(self, remote: Emulator, target_name: str,
                                             voicekit_fast_retries: None) -> None:
        if self.paging_match is None:
            pytest.skip("set paging_match (the listing's route glob) to check page cycles")
        route = Fault(match=self.paging_match, kind="status")
        with recording(type(remote)) as emulator:
            if self.seed_pages(emulator, 3) is None:
                pytest.skip("set paging_min_items or seed_pages to check paging")
            provider = connect(target_name, **emulator.connect_options())
            consume(self.list_all(provider), limit=100_000)
            first = next((e for e in emulator.exchanges if e.status == 200
                          and route.matches(e.method, e.path)), None)
            assert first is not None, f"no 200 answer matched paging_match {self.paging_match}"
            emulator.faults.add(self.paging_match, "status", count=200, status=200,
                                body=first.body,
                                headers={"content-type": first.content_type or
                                         "application/json"})
            with pytest.raises(BadResponse):
                consume(self.list_all(provider), limit=100_000)
            provider.close()

    # -- jobs ----------------------------------------------------------------------------

    def test_a_job_resumes_from_its_ref_in_a_fresh_provider(
            self, remote: Emulator, provider: Provider, target_name: str,
            tmp_path: Path) -> None:
        job = self.job_starter(provider, tmp_path)
        if job is None:
            pytest.skip("no job to start")
        ref = str(job.to_ref())
        fresh = connect(target_name, **remote.connect_options())
        try:
            resumed = fresh.job(ref)
            assert (resumed.kind, resumed.id) == (job.kind, job.id)
            assert resumed.wait(timeout=86_400) is not None
            assert resumed.done
        finally:
            fresh.close()

    # -- what the vendor sends back --------------------------------------------------------

    def test_html_instead_of_audio_is_bad_response(self, remote: Emulator,
                                                   provider: Provider, tmp_path: Path) -> None:
        calls = self.capability_calls(provider, tmp_path)
        if "synthesize" not in calls:
            pytest.skip(f"{provider.name} does not synthesize")
        assert isinstance(provider, caps.Synthesize)
        args = calls["synthesize"][1]
        faults = remote.storage.faults if self.audio_origin == "storage" else remote.faults
        faults.add(self.audio_match, "status", count=50, status=200, body=HTML_PAGE,
                   headers={"content-type": "text/html; charset=utf-8"})
        with pytest.raises(BadResponse):
            provider.synthesize(**args)

    def test_storage_refusal_is_permission_denied(self, remote: Emulator, provider: Provider,
                                                  tmp_path: Path) -> None:
        touched = []
        for name, (method, args) in self.capability_calls(provider, tmp_path).items():
            remote.storage.faults.clear()
            remote.storage.faults.add("*", "status", count=1000, status=403,
                                      body=STORAGE_DENIED,
                                      headers={"content-type": "application/xml"})
            before = len(remote.storage.log)
            outcome: BaseException | None = None
            try:
                consume(getattr(provider, method)(**args), directory=tmp_path)
            except VoicekitError as exc:
                outcome = exc
            remote.storage.faults.clear()
            if len(remote.storage.log) == before:
                continue  # this call never reached storage
            touched.append(name)
            assert isinstance(outcome, PermissionDenied), (
                f"{name}: a storage 403 gave {outcome!r}, not PermissionDenied")
        if not touched:
            pytest.skip("no capability call reaches the storage origin")

    def test_fuzz_response_parsing(self, remote: Emulator) -> None:
        from voicekit_core.testing.fuzz_plugin import fuzz_plugin

        report = fuzz_plugin(type(self), examples=self.fuzz_examples, seed=0,
                             stop_on_first=True)
        assert report.ok, report.text()


def _spending(bound: Callable[..., object]) -> Callable[[Any], object]:
    return lambda budget: bound(max_credits=budget)


def _bound(provider: Provider, method: str, args: dict[str, Any], tmp_path: Path
           ) -> Callable[..., object]:
    def call(**options: Any) -> object:
        consume(getattr(provider, method)(**args, **options), directory=tmp_path)
        return None

    return call
