"""The capabilities a provider can have, as abstract base classes.

A provider class inherits the ones it implements: ``isinstance(p, Synthesize)`` is the
truth, and ``p.capabilities`` is derived from the bases. Every method validates its input
locally and raises :class:`~voicekit_core.errors.InvalidInput` (naming the limit) before
any request; vendor failures raise the matching
:class:`~voicekit_core.errors.ProviderError` or
:class:`~voicekit_core.errors.TransportError`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .audio import AudioInput
    from .jobs import Job
    from .models import Audio, AudioStream, DubResult, DuplexStream, Twin, Video, Voice
    from .models import Balance as BalanceInfo

__all__ = [
    "CAPABILITIES",
    "Balance",
    "Capability",
    "CloneVoice",
    "ConvertVoice",
    "CreateTwin",
    "Dub",
    "GenerateVideo",
    "ListVoices",
    "StreamSynthesize",
    "Synthesize",
    "capabilities_of",
    "check_video_request",
]


class Capability(abc.ABC):  # noqa: B024 - a marker base, no methods of its own
    """Base of the capability ABCs."""


class ListVoices(Capability):
    @abc.abstractmethod
    def list_voices(
        self, *, language: str | None = None, kind: str | None = None, **filters: Any
    ) -> Iterator[Voice]:
        """Iterate the voices this provider offers, fetching pages lazily.

        Args:
            language: keep voices that speak this language (``"en"`` matches ``"en-US"``).
            kind: keep voices of this kind (``"system"``, ``"cloned"``, ...: see the provider).
            **filters: vendor filters documented by the provider; unknown ones raise
                InvalidInput.

        Returns:
            A lazy iterator of :class:`~voicekit_core.models.Voice`.
        """


class Synthesize(Capability):
    @abc.abstractmethod
    def synthesize(
        self, text: str, *, voice: str | Voice, format: str | None = None, **options: Any
    ) -> Audio:
        """Speak ``text`` with ``voice`` and return the audio.

        Args:
            text: what to say; empty or over the vendor's limit raises InvalidInput.
            voice: a voice id or a :class:`Voice` from ``list_voices()``.
            format: ``"wav"``, ``"mp3"``, ... (None: the provider's default).
            **options: vendor options (rate, pitch, ``max_credits=``...), validated locally.

        Returns:
            :class:`~voicekit_core.models.Audio`. Asynchronous vendors are polled inside.

        Raises:
            InvalidInput, NotFound (unknown voice), InsufficientCredits, ProviderError,
            TransportError.
        """


class StreamSynthesize(Capability):
    @abc.abstractmethod
    def stream_synthesize(self, text: str, *, voice: str | Voice, **options: Any) -> AudioStream:
        """Speak ``text``, handing over audio chunks as the vendor produces them.

        Returns:
            :class:`~voicekit_core.models.AudioStream`: iterate it, or ``save()`` it. A stream
            that breaks raises StreamInterrupted (with the bytes received), never ends short.
        """

    @abc.abstractmethod
    def open_stream(self, *, voice: str | Voice, **options: Any) -> DuplexStream:
        """Open a two-way stream: ``send()`` text pieces, iterate the audio for each in order.

        Returns:
            :class:`~voicekit_core.models.DuplexStream`; ``finish()`` flushes and ends it.
        """


class ConvertVoice(Capability):
    @abc.abstractmethod
    def convert_voice(self, audio: AudioInput, *, voice: str | Voice, **options: Any) -> Audio:
        """Re-speak recorded ``audio`` (path, bytes or binary file) in ``voice``.

        Raises:
            InvalidInput (missing file, wrong format, too large), NotFound, ProviderError.
        """


class CloneVoice(Capability):
    @abc.abstractmethod
    def clone_voice(
        self,
        samples: AudioInput | Sequence[AudioInput],
        *,
        name: str,
        description: str | None = None,
        **options: Any,
    ) -> Job[Voice]:
        """Create a voice from recordings of a speaker.

        Args:
            samples: one recording or a list of them (paths, bytes or binary files).
            name: the new voice's name.
            description: optional text stored with the voice.

        Returns:
            A :class:`~voicekit_core.jobs.Job` whose ``wait()`` gives the usable
            :class:`Voice` (already finished when the vendor answers synchronously).
        """


class Dub(Capability):
    @abc.abstractmethod
    def dub(self, source: AudioInput, *, voice: str | Voice, **options: Any) -> Job[DubResult]:
        """Re-sing / re-speak ``source`` (a file, bytes or a link) with ``voice``.

        Returns:
            ``Job[DubResult]``; ``job.wait().download(path)`` saves the result.

        Raises:
            InvalidInput (before any request), InsufficientCredits (also when
            ``max_credits=`` is below the vendor's price), ProviderError.
        """


class CreateTwin(Capability):
    @abc.abstractmethod
    def create_twin(
        self,
        *,
        name: str,
        video_url: str,
        calibration_image_urls: Sequence[str],
        language: str | None = None,
    ) -> Job[Twin]:
        """Train a video AI twin from a calibration video and images (links).

        Returns:
            ``Job[Twin]``; ``on_update`` of ``wait()`` sees progress.
        """


class GenerateVideo(Capability):
    @abc.abstractmethod
    def generate_video(
        self,
        *,
        twin: str | Twin,
        script: str | None = None,
        audio: str | int | None = None,
        voice: str | Voice | None = None,
        consent: bool,
        **options: Any,
    ) -> Job[Video]:
        """Render a talking video of ``twin`` (an avatar) saying ``script`` or ``audio``.

        Args:
            twin: the avatar: an id or name as the vendor's ``list_twins()`` gives it.
            script: the text to say; exactly one of ``script`` and ``audio``.
            audio: a recording to lip-sync (a link, or the vendor's recording id).
            voice: the voice speaking ``script`` (vendors that take one).
            consent: you confirm the person shown agreed to it; required, never defaulted,
                and must be True.

        Returns:
            ``Job[Video]``; ``job.wait().download("out.mp4")`` saves it.

        Raises:
            InvalidInput (before any request: both or neither of script/audio, consent
            missing or not True, a script over the vendor's limit), ProviderError.

        Vendors that can also list their avatars, or list, get and delete videos, offer
        ``list_twins()``, ``list_videos()``, ``get_video(id)`` and ``delete_video(id)``.
        """


def check_video_request(*, script: object, audio: object, consent: object,
                        provider: str | None = None) -> None:
    """The rules every :meth:`GenerateVideo.generate_video` applies before any request:
    exactly one of ``script`` and ``audio``, and ``consent`` given as True."""
    from .errors import InvalidInput

    if consent is not True:
        raise InvalidInput(f"consent must be True (confirming the person shown agreed), got "
                           f"{consent!r}", field="consent", limit="True", provider=provider)
    if (script is None) == (audio is None):
        which = "both" if script is not None else "neither"
        raise InvalidInput(f"give exactly one of script and audio ({which} given)",
                           field="script" if script is not None else "audio",
                           limit="exactly one of script, audio", provider=provider)


class Balance(Capability):
    @abc.abstractmethod
    def balance(self) -> BalanceInfo:
        """The account's credits left (:class:`~voicekit_core.models.Balance`)."""


#: All capability ABCs, in documentation order.
CAPABILITIES: tuple[type[Capability], ...] = (
    ListVoices,
    Synthesize,
    StreamSynthesize,
    ConvertVoice,
    CloneVoice,
    Dub,
    CreateTwin,
    GenerateVideo,
    Balance,
)

BY_NAME: dict[str, type[Capability]] = {c.__name__: c for c in CAPABILITIES}


def capabilities_of(obj: object) -> tuple[str, ...]:
    """Names of the capability ABCs that ``obj`` (a provider or its class) implements."""
    cls = obj if isinstance(obj, type) else type(obj)
    return tuple(c.__name__ for c in CAPABILITIES if issubclass(cls, c))
