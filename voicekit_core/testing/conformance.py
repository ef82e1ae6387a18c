"""The conformance suite every provider plugin runs against its emulator.

Subclass it in the plugin's tests::

    from voicekit_core.testing.conformance import ProviderConformance
    from voicekit_gemelo.emulator import GemeloEmulator

    class TestGemeloConformance(ProviderConformance):
        emulator_class = GemeloEmulator
        plugin_module = "voicekit_gemelo.plugin"

It checks that the declared capabilities match the class, round-trips every capability the
provider has against the emulator, maps the vendor's errors (401, 404, insufficient
credits, 429, 500, malformed body) onto the error tree, never leaks a credential, and that
importing the plugin's entry-point module does not import its provider module.
Override the ``*_args`` methods to feed capabilities vendor-appropriate input, and
``probe`` to choose the authenticated read used for error mapping.

A local provider (no vendor API, like espeak) sets ``provider_name`` and no
``emulator_class``: it is connected with no options, and the HTTP-only checks (credentials,
error mapping, rate limits, malformed bodies, leaks) are skipped.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from voicekit_core import capabilities as caps
from voicekit_core.audio import parse_wav_header
from voicekit_core.errors import (
    AuthenticationError,
    BadResponse,
    InsufficientCredits,
    NotFound,
    RateLimited,
    ServerError,
    VoicekitError,
)
from voicekit_core.models import Audio, Voice
from voicekit_core.provider import Provider
from voicekit_core.registry import connect, get_registry
from voicekit_core.testing.conformance_safety import SafetyChecks
from voicekit_core.testing.emulator import Emulator

__all__ = ["ProviderConformance"]


class ProviderConformance(SafetyChecks):
    """Base class of a plugin's conformance tests (pytest collects the subclass).

    The safety checks and their hooks (options before requests, budgets, paging, job
    resume, HTML/storage answers, fuzzing) come from
    :class:`~voicekit_core.testing.conformance_safety.SafetyChecks`."""

    #: the plugin's emulator class (None for a local provider)
    emulator_class: ClassVar[type[Emulator] | None] = None
    #: the provider's name (default: the emulator's ``provider``)
    provider_name: ClassVar[str | None] = None
    #: the module the ``voicekit`` entry point names (must stay light)
    plugin_module: ClassVar[str]
    #: route glob (``"GET /voices"``) whose requests the error-mapping faults hit
    probe_match: ClassVar[str] = "*"

    # -- fixtures ------------------------------------------------------------------------

    @pytest.fixture
    def emulator(self) -> Iterator[Emulator | None]:
        if self.emulator_class is None:
            yield None
            return
        with self.emulator_class() as emu:
            yield emu

    @pytest.fixture
    def target_name(self, emulator: Emulator | None) -> str:
        """The name of the provider under test."""
        name = self.provider_name or (emulator.provider if emulator is not None else None)
        assert name, "set emulator_class or provider_name"
        return name

    @pytest.fixture
    def provider(self, emulator: Emulator | None, target_name: str,
                 voicekit_fast_retries: None) -> Iterator[Provider]:
        options = emulator.connect_options() if emulator is not None else {}
        provider = connect(target_name, **options)
        yield provider
        provider.close()

    @pytest.fixture
    def remote(self, emulator: Emulator | None) -> Emulator:
        """The emulator, for checks that only make sense over HTTP (skips local providers)."""
        if emulator is None:
            pytest.skip("a local provider has no HTTP errors, faults or credentials to check")
        return emulator

    # -- inputs (override per vendor) ----------------------------------------------------

    def voice(self, provider: Provider) -> str | Voice:
        """A voice to speak with (default: the first one listed)."""
        assert isinstance(provider, caps.ListVoices)
        return next(iter(provider.list_voices()))

    def synthesize_args(self, provider: Provider) -> dict[str, Any]:
        return {"text": "Hello from voicekit.", "voice": self.voice(provider)}

    def stream_args(self, provider: Provider) -> dict[str, Any]:
        return self.synthesize_args(provider)

    def convert_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        raise NotImplementedError("override convert_args")

    def clone_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        raise NotImplementedError("override clone_args")

    def dub_args(self, provider: Provider, tmp_path: Path) -> dict[str, Any]:
        raise NotImplementedError("override dub_args")

    def twin_args(self, provider: Provider) -> dict[str, Any]:
        raise NotImplementedError("override twin_args")

    def video_args(self, provider: Provider) -> dict[str, Any]:
        raise NotImplementedError("override video_args")

    def probe(self, provider: Provider) -> object:
        """One authenticated, non-spending read; used to check error mapping."""
        if isinstance(provider, caps.Balance):
            return provider.balance()
        if isinstance(provider, caps.ListVoices):
            return next(iter(provider.list_voices()), None)
        raise NotImplementedError("override probe")

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _need(provider: Provider, capability: type[caps.Capability]) -> None:
        if not isinstance(provider, capability):
            pytest.skip(f"{provider.name} does not implement {capability.__name__}")

    @staticmethod
    def _check_audio(audio: Audio) -> None:
        assert isinstance(audio, Audio)
        assert len(audio.data) > 0
        if audio.format == "wav":
            info = parse_wav_header(audio.data)
            assert info.sample_rate == audio.sample_rate
            assert audio.duration and audio.duration > 0

    # -- declarations --------------------------------------------------------------------

    def test_declared_capabilities_match_class(self, target_name: str) -> None:
        info = get_registry().info(target_name)
        cls = get_registry().provider_class(target_name)
        assert tuple(sorted(info.capabilities)) == tuple(sorted(caps.capabilities_of(cls)))
        assert (cls.info.name, cls.info.factory) == (info.name, info.factory)
        assert info.factory.endswith(":" + cls.__name__)

    def test_plugin_module_is_light(self, target_name: str) -> None:
        factory_module = get_registry().info(target_name).factory.partition(":")[0]
        code = textwrap.dedent(f"""
            import importlib, json, sys
            importlib.import_module({self.plugin_module!r})
            heavy = [m for m in ({factory_module!r}, "requests", "websocket", "starlette")
                     if m in sys.modules]
            print(json.dumps(heavy))
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, check=True)
        assert json.loads(out.stdout) == []

    # -- capabilities round trips ----------------------------------------------------------

    def test_list_voices(self, provider: Provider) -> None:
        self._need(provider, caps.ListVoices)
        assert isinstance(provider, caps.ListVoices)
        voices = provider.list_voices()
        assert isinstance(voices, Iterator)
        first = next(voices)
        assert isinstance(first, Voice)
        assert first.id and first.provider == provider.name

    def test_synthesize(self, provider: Provider) -> None:
        self._need(provider, caps.Synthesize)
        assert isinstance(provider, caps.Synthesize)
        self._check_audio(provider.synthesize(**self.synthesize_args(provider)))

    def test_stream_synthesize(self, provider: Provider) -> None:
        self._need(provider, caps.StreamSynthesize)
        assert isinstance(provider, caps.StreamSynthesize)
        with provider.stream_synthesize(**self.stream_args(provider)) as stream:
            audio = stream.read()
        self._check_audio(audio)

    def test_open_stream(self, provider: Provider) -> None:
        self._need(provider, caps.StreamSynthesize)
        assert isinstance(provider, caps.StreamSynthesize)
        args = self.stream_args(provider)
        args.pop("text")
        with provider.open_stream(**args) as duplex:
            duplex.send("Hello there.")
            duplex.finish()
            audio = duplex.read()
        self._check_audio(audio)

    def test_convert_voice(self, provider: Provider, tmp_path: Path) -> None:
        self._need(provider, caps.ConvertVoice)
        assert isinstance(provider, caps.ConvertVoice)
        self._check_audio(provider.convert_voice(**self.convert_args(provider, tmp_path)))

    def test_clone_voice(self, provider: Provider, tmp_path: Path) -> None:
        self._need(provider, caps.CloneVoice)
        assert isinstance(provider, caps.CloneVoice)
        voice = provider.clone_voice(**self.clone_args(provider, tmp_path)).wait(timeout=3600)
        assert isinstance(voice, Voice) and voice.id

    def test_dub(self, provider: Provider, tmp_path: Path) -> None:
        self._need(provider, caps.Dub)
        assert isinstance(provider, caps.Dub)
        result = provider.dub(**self.dub_args(provider, tmp_path)).wait(timeout=3600)
        path = result.download(tmp_path / "dub.out")
        assert path.stat().st_size > 0

    def test_create_twin(self, provider: Provider) -> None:
        self._need(provider, caps.CreateTwin)
        assert isinstance(provider, caps.CreateTwin)
        twin = provider.create_twin(**self.twin_args(provider)).wait(timeout=3600)
        assert twin.id and twin.name

    def test_balance(self, provider: Provider) -> None:
        self._need(provider, caps.Balance)
        assert isinstance(provider, caps.Balance)
        balance = provider.balance()
        assert balance.credits >= 0

    # -- error mapping -------------------------------------------------------------------

    def test_bad_credentials_raise_authentication_error(self, remote: Emulator,
                                                        voicekit_fast_retries: None) -> None:
        emulator = remote
        wrong = {k: "wrong-" + v for k, v in emulator.credentials.items()}
        provider = connect(emulator.provider, **emulator.connect_options(**wrong))
        with pytest.raises(AuthenticationError) as info:
            self.probe(provider)
        for value in wrong.values():
            assert value not in str(info.value)

    @pytest.mark.parametrize(("kind", "error"), [
        ("not_found", NotFound),
        ("insufficient_credits", InsufficientCredits),
        ("server_error", ServerError),
    ])
    def test_vendor_errors_map_onto_the_tree(
        self, remote: Emulator, provider: Provider, kind: str, error: type[VoicekitError]
    ) -> None:
        remote.faults.add(self.probe_match, "error", error=kind, count=20)
        with pytest.raises(error):
            self.probe(provider)

    def test_rate_limit_is_retried(self, remote: Emulator, provider: Provider) -> None:
        remote.faults.add(self.probe_match, "error", error="rate_limited", count=1)
        before = len(remote.log)
        self.probe(provider)
        assert len(remote.log) - before >= 2

    def test_rate_limit_that_persists_raises_rate_limited(
        self, remote: Emulator, provider: Provider
    ) -> None:
        remote.faults.add(self.probe_match, "error", error="rate_limited", count=50)
        with pytest.raises(RateLimited):
            self.probe(provider)

    def test_malformed_body_is_bad_response(self, remote: Emulator, provider: Provider
                                            ) -> None:
        remote.faults.add(self.probe_match, "malformed", count=20)
        with pytest.raises(BadResponse):
            self.probe(provider)

    # -- secret hygiene ------------------------------------------------------------------

    def test_secrets_never_leak(self, remote: Emulator, provider: Provider,
                                caplog: pytest.LogCaptureFixture) -> None:
        emulator = remote
        secrets = [v for v in emulator.credentials.values() if v]
        with caplog.at_level(logging.DEBUG):
            self.probe(provider)
            emulator.faults.add(self.probe_match, "error", error="server_error", count=20)
            with pytest.raises(VoicekitError) as info:
                self.probe(provider)
        texts = [repr(provider), str(provider), str(info.value), repr(info.value),
                 caplog.text, repr(provider.__dict__)]
        for secret in secrets:
            for text in texts:
                assert secret not in text
        assert not emulator.storage.violations

