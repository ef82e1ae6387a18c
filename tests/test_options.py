"""Declared options (voicekit_core.options): parsing, hostile values, the operation wrapper."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voicekit_core as vk
from voicekit_core.inputs import AudioRules, TextRules
from voicekit_core.models import Cost, ProviderInfo, Voice
from voicekit_core.options import Call, NoOptions, Options, accepts, operation, opt
from voicekit_core.provider import Provider
from voicekit_core.registry import get_registry
from voicekit_core.testing.media import tone_wav


class SynthOptions(Options):
    format: str | None = opt.choice(("mp3", "wav"), default="mp3", help="audio format")
    speed: float | None = opt.number(0.5, 2.0, help="speaking rate")
    seed: int | None = opt.integer(0, 1000)
    style: str | None = opt.text(max_chars=10)
    loud: bool | None = opt.flag()
    callback_url: str | None = opt.url(ext=("json",))
    tags: tuple[str, ...] | None = opt.value(convert=lambda v, f: tuple(str(x) for x in v))


class Demo(Provider):
    """A local provider: records what its bodies were given."""

    info = ProviderInfo(name="demo", factory="tests:Demo", capabilities=())
    remote = False
    price = 3.0

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def estimate(self, operation: str, **args: Any) -> Cost | None:
        self.calls.append(("estimate", {"operation": operation, **args}))
        return Cost(credits=self.price) if operation != "free" else None

    @operation(SynthOptions, spends=True, text=TextRules(max_chars=20))
    def synthesize(self, text: str, *, voice: str, opts: SynthOptions, call: Call) -> str:
        """Speak."""
        self.calls.append(("synthesize", {"text": text, "voice": voice, "opts": opts,
                                          "call": call}))
        call.spent(len(text), unit="characters")
        return f"{voice}:{text}"

    @operation(spends=True)
    def free(self, *, opts: NoOptions, call: Call) -> float | None:
        return call.max_credits

    @operation(samples=AudioRules(count=(1, 3)))
    def clone(self, samples: list[Any], *, name: str = "x", opts: NoOptions,
              call: Call) -> tuple[int, Any]:
        return len(samples), call.on_upload_progress

    @operation(SynthOptions)
    def listing(self, *, language: str | None = None, opts: SynthOptions,
                call: Call) -> Iterator[str]:
        self.calls.append(("listing started", {}))
        yield language or "any"


class Recorder:
    def __init__(self) -> None:
        self.events: list[vk.Event] = []

    @vk.hookimpl
    def voicekit_on_event(self, event: vk.Event) -> None:
        self.events.append(event)


@pytest.fixture
def demo() -> Demo:
    return Demo()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    get_registry().register_plugin(recorder, name="options-recorder")
    yield recorder
    get_registry().pm.unregister(recorder)


# -- Options ---------------------------------------------------------------------------


def test_parse_converts_and_keeps_defaults() -> None:
    parsed = SynthOptions.parse({"speed": 1, "format": " WAV ", "seed": None},
                                call="synthesize", provider="demo")
    assert parsed.speed == 1.0 and isinstance(parsed.speed, float)
    assert parsed.format == "wav"
    assert parsed.seed is None  # None means "not given"
    assert SynthOptions.parse({}, call="x", provider="demo").format == "mp3"
    assert parsed.given() == {"format": "wav", "speed": 1.0}
    with pytest.raises(AttributeError):
        parsed.speed = 2.0  # type: ignore[misc]


def test_names_and_specs_come_from_the_fields() -> None:
    assert SynthOptions.names() == ("format", "speed", "seed", "style", "loud", "callback_url",
                                    "tags")
    specs = {s.name: s for s in SynthOptions.specs()}
    assert specs["format"].kind == "choice" and specs["format"].choices == ("mp3", "wav")
    assert specs["format"].default == "mp3" and specs["format"].help == "audio format"
    assert specs["speed"].limit == "a number, 0.5..2"
    assert specs["style"].limit == "text, at most 10 characters"
    assert NoOptions.names() == ()


def test_unknown_option_lists_the_accepted_names() -> None:
    with pytest.raises(vk.InvalidInput) as info:
        SynthOptions.parse({"sped": 1, "zz": 2}, call="synthesize", provider="demo",
                           also=("voice",))
    assert str(info.value).startswith(
        "demo synthesize() got unknown option(s) sped, zz; it takes voice, format, speed")
    assert info.value.field == "sped" and info.value.provider == "demo"
    with pytest.raises(vk.InvalidInput) as info:
        SynthOptions.parse({"k" * 10_000: 1}, call="synthesize", provider="demo")
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(("name", "value", "limit"), [
    ("speed", float("nan"), "a finite number"),
    ("speed", float("inf"), "a finite number"),
    ("speed", -float("inf"), "a finite number"),
    ("speed", 10**400, "a finite number"),
    ("speed", True, "a finite number"),
    ("speed", "1.0", "a finite number"),
    ("speed", 3, "0.5..2"),
    ("seed", 10**30, "0..1000"),
    ("seed", 1.0, "an integer"),
    ("seed", False, "an integer"),
    ("seed", "7", "an integer"),
    ("format", 3, "one of mp3, wav"),
    ("format", "flac", "one of mp3, wav"),
    ("style", "bad \ud800", "valid Unicode"),
    ("style", "x" * 11, "at most 10 characters"),
    ("style", "   ", "non-empty"),
    ("style", b"bytes", "text"),
    ("loud", 1, "True or False"),
    ("loud", "yes", "True or False"),
    ("callback_url", "ftp://x.org/a.json", "an http(s) URL"),
    ("callback_url", "https://x.org/a b.json", "an http(s) URL"),
    ("callback_url", "https://x.org/a.mp3", "a .json link"),
    ("callback_url", "https://[::1/a.json", "an http(s) URL"),
    ("tags", 5, "see the documentation"),
])
def test_hostile_values_are_invalid_input_naming_the_limit(name: str, value: Any,
                                                           limit: str) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        SynthOptions.parse({name: value}, call="synthesize", provider="demo")
    assert info.value.field == name
    assert info.value.limit == limit
    assert info.value.provider == "demo"


def test_a_huge_integer_has_a_short_message() -> None:
    class Unbounded(Options):
        n: int | None = opt.integer()

    assert Unbounded.parse({"n": 2**63 - 1}, call="x", provider="p").n == 2**63 - 1
    with pytest.raises(vk.InvalidInput, match="64-bit") as info:
        Unbounded.parse({"n": 10**5000}, call="x", provider="p")
    assert len(str(info.value)) < 200


def test_declarations_are_checked_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="declare option"):
        class Plain(Options):
            x: int = 3

    with pytest.raises(vk.InvalidInput):
        class BadDefault(Options):
            x: int | None = opt.integer(0, 5, default=9)

    with pytest.raises(ValueError, match="case"):
        opt.choice(("a",), case="title")


class Strict(Options):
    number: float | None = opt.number(-5, 5)
    integer: int | None = opt.integer(-5, 5)
    text: str | None = opt.text(max_bytes=8)
    flag: bool | None = opt.flag()
    url: str | None = opt.url()
    choice: str | None = opt.choice(("a", "b"))


_hostile = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(), st.binary(),
    st.sampled_from(["\ud800", "http://\x00", "https://a.b/\udcff", "1e400", "nan", "a", "b"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers()),
)


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(Strict.names()), value=_hostile)
def test_any_value_is_accepted_within_its_limit_or_refused_as_invalid_input(
        name: str, value: Any) -> None:
    try:
        parsed = Strict.parse({name: value}, call="x", provider="p")
    except vk.InvalidInput as exc:
        assert exc.field == name and exc.limit
        return
    got = getattr(parsed, name)
    if value is None:
        assert got is None
    elif name == "number":
        assert isinstance(got, float) and math.isfinite(got) and -5 <= got <= 5
    elif name == "integer":
        assert type(got) is int and -5 <= got <= 5
    elif name == "text":
        assert isinstance(got, str) and got.strip() and len(got.encode("utf-8")) <= 8
    elif name == "flag":
        assert type(got) is bool
    elif name == "url":
        assert got.startswith(("http://", "https://")) and not any(c.isspace() for c in got)
    else:
        assert got in ("a", "b")


@settings(max_examples=200, deadline=None)
@given(kwargs=st.dictionaries(st.text(max_size=12).filter(lambda k: k != "voice"), _hostile,
                              max_size=4))
def test_an_operation_lets_only_invalid_input_escape(kwargs: dict[str, Any]) -> None:
    demo = Demo()
    try:
        demo.synthesize("hi", voice="v", **kwargs)
    except vk.InvalidInput:
        assert not [c for c in demo.calls if c[0] == "synthesize"]


# -- the operation wrapper ---------------------------------------------------------------


def test_public_signature_hides_opts_and_call_and_adds_the_standard_keywords() -> None:
    sig = inspect.signature(Demo.synthesize)
    # split=: every Provider's synthesize takes it (voicekit_core.longtext)
    assert list(sig.parameters) == ["self", "text", "voice", "max_credits", "split", "options"]
    assert sig.parameters["options"].kind is inspect.Parameter.VAR_KEYWORD
    assert list(inspect.signature(Demo().clone).parameters) == [
        "samples", "name", "on_upload_progress", "options"]
    assert Demo.synthesize.__voicekit_options__ is SynthOptions  # type: ignore[attr-defined]
    assert Demo.clone.__voicekit_options__ is NoOptions  # type: ignore[attr-defined]
    assert Demo.synthesize.__doc__ == "Speak."
    assert accepts(Demo().synthesize, "max_credits") and accepts(Demo().synthesize, "speed")
    assert not accepts(Demo().synthesize, "on_upload_progress")
    assert accepts(Demo().clone, "on_upload_progress")


def test_the_body_gets_parsed_options_a_voice_id_and_the_call(demo: Demo) -> None:
    voice = Voice(id=" v1 ", name="V", provider="demo")
    assert demo.synthesize("hello", voice=voice, speed=1.5, max_credits=5) == "v1:hello"
    name, seen = demo.calls[-1]
    assert name == "synthesize" and seen["voice"] == "v1"
    assert seen["opts"] == SynthOptions(format="mp3", speed=1.5)
    call: Call = seen["call"]
    assert (call.name, call.max_credits, call.cost) == ("synthesize", 5.0, Cost(credits=3.0))
    estimate = next(c[1] for c in demo.calls if c[0] == "estimate")
    assert estimate["operation"] == "synthesize" and estimate["text"] == "hello"
    assert estimate["voice"] == "v1" and estimate["opts"].speed == 1.5


def test_invalid_input_is_refused_before_the_body(demo: Demo) -> None:
    cases: list[dict[str, Any]] = [
        {"text": "", "voice": "v"},
        {"text": "x" * 21, "voice": "v"},
        {"text": "ok", "voice": Voice(id="v", name="V", provider="other")},
        {"text": "ok", "voice": "   "},
        {"text": "ok", "voice": True},
        {"text": "ok", "voice": "v", "speed": float("nan")},
        {"text": "ok", "voice": "v", "unknown": 1},
        {"text": "ok"},  # missing voice
    ]
    for kwargs in cases:
        with pytest.raises(vk.InvalidInput) as info:
            demo.synthesize(**kwargs)
        assert info.value.provider == "demo", kwargs
    with pytest.raises(vk.InvalidInput, match="too many positional"):
        demo.synthesize("a", "b", voice="v")  # type: ignore[misc]
    assert not [c for c in demo.calls if c[0] == "synthesize"]
    with pytest.raises(vk.InvalidInput, match="belongs to other; pass a demo voice"):
        demo.voice_id(Voice(id="v", name="V", provider="other"))


@pytest.mark.parametrize("budget", [float("nan"), -1, float("inf"), True, "5", [1]])
def test_max_credits_must_be_a_finite_number_not_below_zero(demo: Demo, budget: Any) -> None:
    with pytest.raises(vk.InvalidInput) as info:
        demo.synthesize("hi", voice="v", max_credits=budget)
    assert info.value.field == "max_credits"
    assert not isinstance(info.value, vk.CreditLimitExceeded)
    with pytest.raises(vk.InvalidInput):
        demo.free(max_credits=budget)  # checked even when the price is unknown
    assert not [c for c in demo.calls if c[0] == "synthesize"]


def test_a_price_over_max_credits_stops_the_call(demo: Demo) -> None:
    with pytest.raises(vk.CreditLimitExceeded) as info:
        demo.synthesize("hi", voice="v", max_credits=2.5)
    assert (info.value.need, info.value.max_credits) == (3.0, 2.5)
    assert "nothing was sent" in str(info.value)
    with pytest.raises(vk.CreditLimitExceeded):
        demo.synthesize("hi", voice="v", max_credits=0)
    assert not [c for c in demo.calls if c[0] == "synthesize"]
    assert demo.synthesize("hi", voice="v", max_credits=3) == "v:hi"
    assert demo.free(max_credits=0) == 0.0
    assert demo.free() is None


def test_non_spending_calls_refuse_max_credits(demo: Demo) -> None:
    with pytest.raises(vk.InvalidInput, match=r"unknown option.*max_credits"):
        demo.clone([tone_wav(0.2)], max_credits=1)


def test_spent_emits_the_credits_spent_event(demo: Demo, recorder: Recorder) -> None:
    demo.synthesize("four", voice="v")
    spent = [e for e in recorder.events if e.kind == "credits_spent"]
    assert len(spent) == 1
    assert spent[0].provider == "demo"
    assert spent[0].data == {"credits": 4.0, "unit": "characters", "operation": "synthesize"}
    demo.spent(float("nan"))
    demo.spent(True)  # type: ignore[arg-type]
    demo.spent(2, operation="dub", job="j1")
    spent = [e for e in recorder.events if e.kind == "credits_spent"]
    assert [e.data for e in spent[1:]] == [
        {"credits": 2.0, "unit": "credits", "operation": "dub", "job": "j1"}]


def test_generator_bodies_are_validated_eagerly(demo: Demo) -> None:
    with pytest.raises(vk.InvalidInput, match="got unknown option"):
        demo.listing(nope=1)
    with pytest.raises(vk.InvalidInput):
        demo.listing(speed="fast")
    items = demo.listing(language="en")
    assert ("listing started", {}) not in demo.calls
    assert list(items) == ["en"]


def test_audio_inputs_and_upload_progress(demo: Demo) -> None:
    progress: list[tuple[int, int | None]] = []

    def report(done: int, total: int | None) -> None:
        progress.append((done, total))

    count, callback = demo.clone(tone_wav(0.2), on_upload_progress=report)
    assert count == 1
    callback(1, 2)  # the body gets the user's callback, wrapped to name it if it raises
    assert progress == [(1, 2)]
    assert demo.clone([tone_wav(0.2)] * 3)[0] == 3
    with pytest.raises(vk.InvalidInput, match="1 to 3"):
        demo.clone([tone_wav(0.2)] * 4)
    with pytest.raises(vk.InvalidInput, match="callable") as info:
        demo.clone(tone_wav(0.2), on_upload_progress="print")
    assert info.value.field == "on_upload_progress"
    with pytest.raises(vk.InvalidInput, match="not audio"):
        demo.clone(b'{"voice": "json, not audio"}')


def test_operation_refuses_methods_it_cannot_wrap() -> None:
    with pytest.raises(TypeError, match="keyword-only 'call'"):
        @operation()
        def no_call(self: Any, *, opts: Any) -> None: ...

    with pytest.raises(TypeError, match=r"\*\*options"):
        @operation()
        def var_kw(self: Any, *, opts: Any, call: Any, **options: Any) -> None: ...

    with pytest.raises(TypeError, match="max_credits is added"):
        @operation(spends=True)
        def own_budget(self: Any, *, max_credits: float, opts: Any, call: Any) -> None: ...

    with pytest.raises(TypeError, match="no parameter 'audio'"):
        @operation(audio=AudioRules())
        def no_audio(self: Any, *, opts: Any, call: Any) -> None: ...

    with pytest.raises(TypeError, match="clash with"):
        @operation()
        def estimate_clash(self: Any, operation: str, *, opts: Any, call: Any) -> None: ...

    with pytest.raises(TypeError, match="both a parameter and an option"):
        @operation(SynthOptions)
        def clash(self: Any, *, speed: float, opts: Any, call: Any) -> None: ...

    with pytest.raises(TypeError, match="no positional-only"):
        @operation()
        def positional_only(self: Any, text: str, /, *, opts: Any, call: Any) -> None: ...


@pytest.mark.parametrize(("args", "kwargs"), [
    (("hi",), {"voice": "v"}), (("hi", "v"), {}), ((), {"text": "hi", "voice": "v"}),
    (("hi",), {}), ((), {"voice": "v"}), (("hi", "v", "x"), {}),
    (("hi",), {"text": "again", "voice": "v"}), (("hi",), {"voice": "v", "self": 1}),
])
def test_arguments_bind_as_inspect_binds_them(args: tuple[Any, ...], kwargs: dict[str, Any]
                                              ) -> None:
    """The wrapper's own binder agrees with inspect.Signature.bind: the same values reach
    the body, and what inspect refuses is refused (InvalidInput, before the body)."""
    def body(self: Any, text: str, voice: str = "dflt", *, opts: Any, call: Any) -> Any:
        return text, voice

    try:
        bound = inspect.signature(body).bind(None, *args, **kwargs, opts=None, call=None)
        bound.apply_defaults()
        expected: Any = (bound.arguments["text"], bound.arguments["voice"])
    except TypeError:
        expected = vk.InvalidInput
    wrapped = operation()(body)
    if expected is vk.InvalidInput:
        with pytest.raises(vk.InvalidInput):
            wrapped(Demo(), *args, **kwargs)
    else:
        assert wrapped(Demo(), *args, **kwargs) == expected


class Listing(Options):
    kinds: tuple[str, ...] | None = opt.choice(("public", "cloned", "own"), many=True)
    language: tuple[str, ...] | None = opt.choice(
        ("english", "french"), many=True,
        words=lambda w: {"en": "english", "fr": "french"}.get(w.strip().lower(), w))
    sortBy: str | None = opt.choice(("name", "date"), alias="sort_by")


def test_choice_of_many_takes_one_value_or_a_list_in_declared_order() -> None:
    def parse(**values: Any) -> Listing:
        return Listing.parse(values, call="list_voices", provider="demo")

    assert parse(kinds="Cloned").kinds == ("cloned",)
    assert parse(kinds=["own", "PUBLIC", "own"]).kinds == ("public", "own")
    assert parse(language=("fr", "English")).language == ("english", "french")
    for bad in ([], ["public", "nope"], 3, [None], "x" * 50):
        with pytest.raises(vk.InvalidInput) as caught:
            parse(kinds=bad)
        assert caught.value.field == "kinds"


def test_an_option_alias_is_the_same_option_under_a_second_name() -> None:
    def parse(**values: Any) -> Listing:
        return Listing.parse(values, call="list_voices", provider="demo")

    assert parse(sort_by="date") == parse(sortBy="date") == Listing(sortBy="date")
    assert parse(sort_by=None, sortBy="name").sortBy == "name"
    with pytest.raises(vk.InvalidInput, match="sortBy given twice") as twice:
        parse(sortBy="name", sort_by="date")
    assert twice.value.field == "sort_by"
    with pytest.raises(vk.InvalidInput) as bad:
        parse(sort_by="size")
    assert bad.value.field == "sort_by"  # the name the caller used


def test_options_inherit_and_override_fields() -> None:
    class Base(Options):
        speed: float | None = opt.number(0, 4)
        style: str | None = opt.text()

    class Child(Base):
        speed: float | None = opt.number(0, 2, default=1.0)
        seed: int | None = opt.integer(0, 9)

    assert set(Child.names()) == {"speed", "style", "seed"}
    child = Child.parse({"style": "calm", "seed": 3}, call="x", provider="p")
    assert (child.speed, child.style, child.seed) == (1.0, "calm", 3)
    with pytest.raises(vk.InvalidInput, match=r"0\.\.2"):
        Child.parse({"speed": 3}, call="x", provider="p")
    assert Base.parse({"speed": 3}, call="x", provider="p").speed == 3.0
    assert hash(child) == hash(Child(style="calm", seed=3))


def test_callback_options_take_only_callables() -> None:
    class Waiting(Options):
        on_update: Any = opt.callback(help="called with each job update")

    assert Waiting.parse({"on_update": print}, call="x", provider="p").on_update is print
    assert Waiting.specs()[0].kind == "callback"
    for bad in ("print", 3, True):
        with pytest.raises(vk.InvalidInput, match="callable") as info:
            Waiting.parse({"on_update": bad}, call="x", provider="p")
        assert info.value.field == "on_update"


def test_check_budget_validates_max_credits(demo: Demo) -> None:
    demo.check_budget(None, 5)
    demo.check_budget(Cost(credits=1), None)
    for bad in (float("nan"), -0.5, "1"):
        with pytest.raises(vk.InvalidInput) as info:
            demo.check_budget(None, bad)  # type: ignore[arg-type]
        assert info.value.field == "max_credits"


class Plain(Provider):
    info = ProviderInfo(name="plain", factory="tests:Plain", capabilities=())
    remote = False


@pytest.mark.parametrize(("setting", "value"), [
    ("timeout", float("nan")), ("timeout", 0), ("timeout", -1), ("timeout", "10"),
    ("timeout", True), ("timeout", (1, 2, 3)), ("timeout", (1, float("inf"))),
    ("timeout", float("inf")), ("max_retries", -1), ("max_retries", 1.5),
    ("max_retries", True), ("max_retries", 10**20), ("rate_limit_cap", float("nan")),
    ("rate_limit_cap", -5), ("allow_http", "yes"),
])
def test_connect_settings_are_checked_as_configuration_errors(setting: str,
                                                              value: Any) -> None:
    with pytest.raises(vk.ConfigurationError, match=setting) as info:
        Plain(**{setting: value})
    assert info.value.provider == "plain"


def _window(value: Any, field: str) -> tuple[float, float] | None:
    if value is None:
        return None
    low, high = value
    if low > high:
        raise ValueError("min must not be above max")
    return (float(low), float(high))


class Tuned(Provider):
    info = ProviderInfo(name="tuned", factory="tests:Tuned", capabilities=())
    remote = False

    class Settings(Options):
        depth: int | None = opt.integer(1, 9, default=3)
        window: tuple[float, float] | None = opt.value(convert=_window, default=(0, 1),
                                                       keeps_none=True)


def test_a_provider_declares_its_own_settings() -> None:
    """``Settings`` are taken out of connect()'s keywords and parsed like options: an
    invalid one is a ConfigurationError naming it; ``keeps_none`` lets None mean "off"."""
    assert (Tuned().settings.depth, Tuned().settings.window) == (3, (0.0, 1.0))
    tuned = Tuned(depth=7, window=None)
    assert (tuned.settings.depth, tuned.settings.window) == (7, None)
    for bad in ({"depth": 0}, {"depth": "7"}, {"window": (2, 1)}, {"window": 5}):
        with pytest.raises(vk.ConfigurationError) as caught:
            Tuned(**bad)  # type: ignore[arg-type]
        assert caught.value.provider == "tuned" and next(iter(bad)) in str(caught.value)
    with pytest.raises(vk.ConfigurationError, match="settings: depth, window"):
        Tuned(dpeth=7)  # type: ignore[call-arg]
    assert Plain().settings is None


def test_good_connect_settings_are_kept() -> None:
    plain = Plain(timeout=(2, 30), max_retries=0, rate_limit_cap=0, allow_http=True)
    assert (plain.timeout, plain.max_retries, plain.rate_limit_cap) == ((2.0, 30.0), 0, 0.0)
    assert Plain(timeout=5).timeout == 5.0 and Plain().max_retries == 4


def test_option_tables_are_generated_from_the_declarations() -> None:
    from voicekit_core.option_docs import operations, options_markdown

    assert list(operations(Demo)) == ["clone", "free", "listing", "synthesize"]
    page = options_markdown(Demo)
    assert "### `synthesize()`" in page
    assert "| `format` | one of mp3, wav | `'mp3'` | audio format |" in page
    assert "| `speed` | a number, 0.5..2 | vendor default | speaking rate |" in page
    assert "| `max_credits` |" in page.split("### `synthesize()`")[1]
    clone = page.split("### `clone()`")[1].split("###")[0]
    assert "`on_upload_progress`" in clone and "`max_credits`" not in clone
    settings = options_markdown(Tuned).split("### `connect()` settings")[1]
    assert "| `depth` | an integer, 1..9 | `3` |" in settings
    assert "`connect()` settings" not in page  # Demo declares none


def test_call_info_and_accepts_live_in_operations_and_still_import_from_options() -> None:
    from voicekit_core import kit, operations, options

    assert options.Call is operations.Call is kit.Call
    assert options.OperationInfo is operations.OperationInfo
    assert options.accepts is operations.accepts
