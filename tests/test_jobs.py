"""Job polling on an injected clock: policy, failures, timeouts, resuming by reference."""

from __future__ import annotations

import enum
import shlex
from typing import Any

import pytest
from fakevendor import FakeEmulator

import voicekit_core as vk
from voicekit_core.clock import ManualClock
from voicekit_core.jobs import Job, JobKind, JobState, JobUpdate, StatusMap
from voicekit_core.testing.media import tone_wav


def test_clone_job_follows_the_poll_policy(emulator: FakeEmulator, provider: Any) -> None:
    start = emulator.clock.now()
    job = provider.clone_voice(tone_wav(1.0), name="me")
    updates: list[tuple[str, str | None]] = []
    voice = job.wait(on_update=lambda j: updates.append((j.state.value, j.vendor_status)))
    assert voice == vk.Voice(id="c1", name="me", provider="fakevendor", kind="cloned")
    polls = [r.time - start for r in emulator.requests("GET", "/clones/*")]
    assert polls == [10, 15, 20, 25, 30]  # first after 10 s, then every 5 s
    assert updates[-1] == ("succeeded", "ready")
    assert job.done and job.result() == voice


def test_failed_job_raises_job_failed_with_vendor_message(emulator: FakeEmulator,
                                                          provider: Any) -> None:
    emulator.clone_fails = True
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.JobFailed, match="two speakers") as info:
        job.wait()
    assert info.value.job_id == "c1" and info.value.vendor_status == "failed"


def test_wait_timeout_raises_job_timeout_with_a_resumable_ref(emulator: FakeEmulator,
                                                              provider: Any) -> None:
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.JobTimeout) as info:
        job.wait(timeout=12)
    assert info.value.last_status == "processing"
    assert info.value.ref == "fakevendor:clone:c1"
    assert "voicekit jobs wait fakevendor:clone:c1" in str(info.value)


def test_job_resumes_from_its_ref_in_a_new_provider(emulator: FakeEmulator,
                                                    provider: Any) -> None:
    ref = str(provider.clone_voice(tone_wav(1.0), name="me").to_ref())
    provider.close()
    fresh = vk.connect("fakevendor", **emulator.connect_options())
    job = fresh.job(ref)
    assert job.state is vk.JobState.RUNNING
    assert job.wait().id == "c1"


def test_job_of_another_provider_is_refused(provider: Any) -> None:
    with pytest.raises(vk.InvalidInput):
        provider.job("gemelo:clone:1")


def test_unfinished_job_result_is_an_error(provider: Any) -> None:
    job = provider.clone_voice(tone_wav(1.0), name="me")
    with pytest.raises(vk.InvalidInput, match="not finished"):
        job.result()


@pytest.mark.parametrize("ref", ["", "a:b", "a::c", "a:b:c:d"])
def test_malformed_refs_are_invalid_input(ref: str) -> None:
    with pytest.raises(vk.InvalidInput):
        vk.JobRef.parse(ref)


def test_ref_round_trip_keeps_context_and_odd_ids() -> None:
    ref = vk.JobRef("voicedub", "dub", "a/b:c d", {"max_credits": "50", "stage": "upload"})
    assert vk.JobRef.parse(str(ref)) == ref


def test_poll_policy_backoff_is_capped() -> None:
    policy = vk.PollPolicy(interval=2, backoff=2, max_interval=10, first_delay=30)
    delays = policy.delays()
    assert [next(delays) for _ in range(5)] == [2, 4, 8, 10, 10]
    assert policy.initial == 30
    with pytest.raises(vk.InvalidInput):
        vk.PollPolicy(interval=0)


# -- declared job kinds (JobKind, StatusMap, check_price) ---------------------------------

RENDER: JobKind[str] = JobKind(
    "render", poll=vk.PollPolicy(interval=4, first_delay=2),
    states=StatusMap(pending={"Queued"}, running={"active"}, succeeded={"DONE"},
                     failed={"broken"}, progress={"queued": 0.0, "active": 0.5}))

RENDER_INFO = vk.ProviderInfo(name="renderer", factory="tests:Renderer", capabilities=())


class Renderer(vk.Provider):
    """A local provider whose jobs follow a script of ``(status, price)`` answers."""

    info = RENDER_INFO
    remote = False
    jobs = (RENDER,)

    def __init__(self, script: list[tuple[str, float | None]]) -> None:
        super().__init__(clock=ManualClock())
        self.script = iter(script)
        self.polls: list[float] = []

    def render(self, *, max_credits: float | None = None) -> Job[str]:
        return RENDER.start(self, "r1", RENDER.update("queued"), context={"stage": "a"},
                            budget=max_credits)

    @RENDER.refresh
    def _look(self, job: Job[str]) -> JobUpdate[str]:
        self.polls.append(self.clock.now())
        status, price = next(self.script)
        if price is not None:
            job.check_price(price, what=f"render {job.id}")
        return RENDER.update(status, result=lambda: f"video of {job.id}",
                             error=("E42", "the renderer broke"), context={"stage": status})


def test_status_map_sorts_vendor_words_case_folded_and_never_raises() -> None:
    states = RENDER.states
    assert states.state("QUEUED") is JobState.PENDING
    assert states.state(" Active ") is JobState.RUNNING
    assert states.state("done") is JobState.SUCCEEDED
    assert states.state("Broken") is JobState.FAILED
    assert states.state("cancelled") is JobState.FAILED     # the common vocabulary
    assert states.state("warming-up") is JobState.RUNNING   # unknown: keep waiting
    for odd in (None, 3, 2.5, {"a": 1}, ["x"], "\ud800", ""):
        assert states.state(odd) in JobState
    assert states.fraction("ACTIVE") == 0.5 and states.fraction("done") == 1.0
    assert states.fraction("mystery") is None


def test_status_map_reads_enum_members_by_value() -> None:
    class Status(enum.Enum):
        OK = "DONE"

    assert RENDER.states.state(Status.OK) is JobState.SUCCEEDED
    assert RENDER.update(Status.OK).vendor_status == "DONE"


def test_job_kind_dispatches_refresh_and_poll_policy() -> None:
    provider = Renderer([("active", None), ("done", None)])
    job = provider.render()
    assert provider.poll_policy("render") == RENDER.poll
    assert job.state is JobState.PENDING and job.progress == 0.0
    assert job.wait() == "video of r1"
    start = 1_000_000.0
    assert provider.polls == [start + 2, start + 6]   # first_delay 2, then every 4 s
    assert job.progress == 1.0 and job.vendor_status == "done"


def test_job_kind_failure_carries_the_vendor_code_and_message() -> None:
    job = Renderer([("broken", None)]).render()
    with pytest.raises(vk.JobFailed, match="the renderer broke") as info:
        job.wait()
    assert info.value.code == "E42"


def test_update_keeps_error_only_on_failure_and_result_only_on_success() -> None:
    calls: list[int] = []
    update = RENDER.update("active", result=lambda: calls.append(1) or "x",
                           error=("E", "not an error yet"), progress=float("nan"))
    assert calls == [] and update.result is None and update.error_code is None
    assert update.progress is None  # NaN progress is dropped
    assert RENDER.update("active", progress=7).progress == 1.0


def test_done_job_needs_no_polling() -> None:
    provider = Renderer([])
    job = RENDER.done(provider, "r9", "instant", raw={"id": "r9"})
    assert job.done and job.wait() == "instant" and provider.polls == []
    assert job.raw == {"id": "r9"}


def test_check_price_refuses_a_price_over_the_budget_and_the_ref_keeps_it() -> None:
    provider = Renderer([("active", 12.5)])
    job = provider.render(max_credits=10)
    assert job.budget == 10
    ref = str(job.to_ref())
    assert "max_credits=10.0" in ref
    with pytest.raises(vk.CreditLimitExceeded, match=r"render r1 would spend 12\.5") as info:
        job.wait()
    assert info.value.need == 12.5 and info.value.max_credits == 10
    assert "voicekit jobs wait 'renderer:render:r1?stage=a'`" in str(info.value)  # no budget


def test_budget_survives_a_context_the_provider_replaces() -> None:
    provider = Renderer([("active", 3), ("done", 4)])
    job = provider.render(max_credits=5)
    job.wait()
    assert job.context == {"stage": "done", "max_credits": "5.0"}


@pytest.mark.parametrize("price", [float("nan"), -1, "12", True, None])
def test_an_unreadable_vendor_price_with_a_budget_is_a_bad_response(price: Any) -> None:
    job = Renderer([]).render(max_credits=5)
    with pytest.raises(vk.BadResponse, match="no usable price"):
        job.check_price(price, what="render r1")
    unlimited = Renderer([]).render()
    unlimited.check_price(price, what="render r1")  # no budget: nothing to check
    assert unlimited.budget is None


@pytest.mark.parametrize("timeout", [float("nan"), -1, -0.5, "10", True])
def test_wait_refuses_bad_timeouts_before_polling(timeout: Any) -> None:
    provider = Renderer([("done", None)])
    with pytest.raises(vk.InvalidInput, match="timeout"):
        provider.render().wait(timeout=timeout)
    assert provider.polls == []


def test_wait_refuses_a_non_callable_on_update_before_polling() -> None:
    provider = Renderer([("done", None)])
    with pytest.raises(vk.InvalidInput, match="on_update"):
        provider.render().wait(on_update="print")  # type: ignore[arg-type]
    assert provider.polls == []


def test_wait_with_an_infinite_timeout_waits_as_long_as_it_takes() -> None:
    assert Renderer([("active", None)] * 3 + [("done", None)]).render().wait(
        timeout=float("inf")) == "video of r1"


@pytest.mark.parametrize("ref", [None, 42, b"renderer:render:r1", ["renderer", "render"]])
def test_non_string_refs_are_invalid_input(ref: Any) -> None:
    with pytest.raises(vk.InvalidInput, match="string"):
        vk.JobRef.parse(ref)
    with pytest.raises(vk.InvalidInput, match="string"):
        Renderer([]).job(ref)


@pytest.mark.parametrize("budget", ["lots", "nan", "-3", "inf"])
def test_a_ref_with_a_garbled_budget_is_invalid_input(budget: str) -> None:
    with pytest.raises(vk.InvalidInput, match="max_credits"):
        vk.JobRef.parse(f"renderer:render:r1?max_credits={budget}")


def test_resuming_a_declared_kind_from_its_ref() -> None:
    job = Renderer([("active", 1)]).job("renderer:render:r1?max_credits=2")
    assert job.state is JobState.RUNNING and job.budget == 2


def test_a_kind_the_provider_does_not_have_is_not_found() -> None:
    with pytest.raises(vk.NotFound, match="no jobs of kind 'twin'"):
        Renderer([]).job("renderer:twin:t1")


def test_a_kind_is_refreshed_by_one_method_only() -> None:
    kind: JobKind[str] = JobKind("solo")

    def first(self: Any, job: Any) -> Any: ...
    def second(self: Any, job: Any) -> Any: ...

    assert kind.refresh(first) is first
    assert kind.refresh(first) is first  # a subclass re-registering the same name is fine
    with pytest.raises(TypeError, match="already refreshed"):
        kind.refresh(second)
    with pytest.raises(vk.InvalidInput):
        JobKind("a:b")


def test_the_refresh_name_fallback_still_works_but_is_deprecated() -> None:
    class OldStyle(Renderer):
        jobs = ()

        def _refresh_render(self, job: Job[str]) -> JobUpdate[str]:
            return RENDER.update("done", result=lambda: "old")

    job = OldStyle([]).render()
    with pytest.warns(DeprecationWarning, match="declare job kind 'render'"):
        assert job.wait() == "old"


def test_a_resume_command_is_quoted_for_the_shell_and_keeps_the_output() -> None:
    ref = vk.JobRef("acme", "dub", "d 1", {"stage": "a&b", "max_credits": "5.0"})
    command = ref.command("out put.mp3")
    words = shlex.split(command)
    assert words[:3] == ["voicekit", "jobs", "wait"] and vk.JobRef.parse(words[3]) == ref
    assert words[4:] == ["-o", "out put.mp3"]


def test_ctrl_c_while_waiting_leaves_the_job_and_carries_its_ref() -> None:
    provider = Renderer([("active", None), ("done", None)])
    job = provider.render()

    def interrupt(_: Job[str]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(vk.WaitInterrupted) as info:
        job.wait(on_update=interrupt)
    assert isinstance(info.value, KeyboardInterrupt)  # still stops a script as Ctrl-C does
    assert info.value.ref == job.to_ref() and "voicekit jobs wait" in str(info.value)
    assert job.wait() == "video of r1"  # the job itself went on
