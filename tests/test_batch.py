"""vk.batch.run over threads against the core's fake vendors (tests/batchfake.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import batchfake
import pytest
from batchfake import BatchFakeEmulator

import voicekit_core as vk
from voicekit_core.batch import STATE_FILE, BatchItem, BatchState, run

batchfake.register()


@pytest.fixture
def emu() -> Iterator[BatchFakeEmulator]:
    with BatchFakeEmulator() as emulator:
        yield emulator


def _connect(emu: BatchFakeEmulator, name: str = "batchfake") -> vk.Provider:
    return vk.connect(name, **emu.connect_options())


def _items(n: int, prefix: str = "line") -> list[BatchItem]:
    return [BatchItem(f"{prefix} number {i:03d}", voice="v1") for i in range(n)]


def _outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name != STATE_FILE and
                  not p.name.startswith(STATE_FILE))


def test_threads_write_every_output_once_and_a_rerun_skips_them(
        emu: BatchFakeEmulator, tmp_path: Path, voicekit_fast_retries: None) -> None:
    items = _items(12)
    seen: list[vk.batch.BatchProgress] = []
    with _connect(emu) as provider:
        report = run(provider, "say", items, tmp_path, workers=4, on_progress=seen.append)
        assert report.ok and report.count("done") == 12
        assert report.spent == sum(len(i.input) for i in items) == emu.ledger.spent
        outputs = _outputs(tmp_path)
        assert len(outputs) == 12 and all(p.suffix == ".wav" for p in outputs)
        assert all(p.read_bytes()[:4] == b"RIFF" for p in outputs)
        assert seen[-1].done == 12 and seen[-1].eta == 0
        again = run(provider, "say", items, tmp_path, workers=4)
    assert again.ok and again.count("skipped") == 12 and again.spent == 0
    assert set(emu.charged.values()) == {1} and len(emu.charged) == 12
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_async_vendor_jobs_are_all_submitted_before_any_is_polled(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    """Submit many, poll many: 2 workers start 10 jobs, then one loop polls them all."""
    with _connect(emu, "batchfake-async") as provider:
        report = run(provider, "say", _items(10), tmp_path, workers=2)
    assert report.ok and report.count("done") == 10
    paths = [r.path for r in emu.log]
    first_poll = next(i for i, p in enumerate(paths) if p.startswith("/speeches/"))
    assert paths[:first_poll].count("/speeches") == 10
    assert len(emu.speeches) == 10 and set(emu.charged.values()) == {1}
    assert sorted(p.suffix for p in _outputs(tmp_path)) == [".wav"] * 10


def test_a_failed_job_is_reported_and_not_paid_again_on_rerun(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    items = _items(4)
    emu.fail_texts.add(items[2].input)  # type: ignore[arg-type]
    with _connect(emu, "batchfake-async") as provider:
        report = run(provider, "say", items, tmp_path)
        assert not report.ok and [f.line for f in report.failed] == [3]
        assert report.failed[0].charged and "failed" in (report.failed[0].error or "")
        again = run(provider, "say", items, tmp_path)
    assert [f.line for f in again.failed] == [3] and again.count("skipped") == 3
    assert emu.charged[items[2].input] == 1  # type: ignore[index]


def test_over_the_ceiling_nothing_is_sent(emu: BatchFakeEmulator, tmp_path: Path) -> None:
    items = _items(5)  # 15 characters each: 75 credits
    with _connect(emu) as provider, pytest.raises(vk.CreditLimitExceeded) as info:
        run(provider, "say", items, tmp_path, max_credits=74)
    assert "estimated at 75 credits, over max_credits=74" in str(info.value)
    assert emu.log == [] and emu.ledger.spent == 0


def test_dry_run_estimates_and_sends_nothing(emu: BatchFakeEmulator, tmp_path: Path) -> None:
    with _connect(emu) as provider:
        report = run(provider, "say", _items(5), tmp_path / "out", dry_run=True)
    assert report.dry_run and report.estimate == 75 and not report.ok
    assert emu.log == [] and not (tmp_path / "out").exists()


def test_ceiling_honoured_with_4_threads_when_estimates_are_low(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    """The vendor charges twice the estimate: the ledger learns it from the first item and
    the run stops before the ceiling; 4 workers together never cross it."""
    items = _items(20)  # estimated 7.5 each (150), charged 15 each
    with _connect(emu, "batchfake-cheap") as provider:
        report = run(provider, "say", items, tmp_path, workers=4, max_credits=150)
    assert emu.ledger.spent <= 150
    assert report.count("done") == 10 and report.count("pending") == 10
    assert "max_credits=150" in (report.items[-1].error or "")
    assert set(emu.charged.values()) == {1}


def test_rate_limit_honoured_without_a_429(tmp_path: Path, voicekit_fast_retries: None
                                           ) -> None:
    """5 requests per 60 s: the batch paces itself by the declared limit and the
    vendor's headers (on the emulator's clock) and draws no 429."""
    with BatchFakeEmulator(window_limit=5, window_seconds=60, speech_seconds=0) as emu, \
            _connect(emu, "batchfake-async") as provider:
        start = emu.clock.now()
        report = run(provider, "say", _items(12), tmp_path, workers=4, rate_limit=(5, 60))
        assert report.ok, report.failed
        # 36 requests (submit, poll, audio per item) in windows of 5: at least 7 windows
        assert len(emu.requests(path="/speeches*")) - emu.too_many == 36
        assert emu.clock.now() - start >= 6 * 60
        # On a shared manual clock one request may still be in transit while another
        # worker's wait moves the clock into the next window (a test artefact: real time
        # does not jump); so allow one 429, which the transport then waits out.
        assert emu.too_many <= 1


def test_rate_limit_learned_from_headers(tmp_path: Path, voicekit_fast_retries: None
                                         ) -> None:
    """No declared limit: the first answers' X-RateLimit-* headers set the pace."""
    with BatchFakeEmulator(window_limit=4, window_seconds=30) as emu, \
            _connect(emu) as provider:
        report = run(provider, "say", _items(10), tmp_path, workers=1)
    assert report.ok and emu.too_many <= 1  # see above


def test_rate_limiter_paces_by_limit_window_and_retry_after() -> None:
    from voicekit_core.batch.ratelimit import WINDOW_MARGIN, RateLimiter

    now = [0.0]
    limiter = RateLimiter(2, 10.0, now=lambda: now[0])
    assert [limiter.take() for _ in range(4)] == [0.0, 0.0, 5.0, 10.0]
    limiter.finished(4)
    now[0] = 20.0  # the vendor says its window has 1 request left for 30 s
    limiter.observe(remaining=1, reset_after=30.0)
    assert limiter.take() == 0.0
    assert limiter.take() == 30.0 + WINDOW_MARGIN  # the window is used up: wait for it
    limiter.observe(retry_after=100.0)  # a 429 pauses everyone
    assert limiter.take() == 100.0


def test_an_item_interrupted_mid_request_is_not_submitted_again(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    items = _items(3)
    with _connect(emu) as provider:
        key = vk.batch.item_key("batchfake", vk.batch.operation_named("say"), items[1])
        with BatchState.in_folder(tmp_path) as state:  # as a killed run leaves it
            state.starting(key, 2, "000002-x", 15.0)
        report = run(provider, "say", items, tmp_path)
        assert [f.line for f in report.failed] == [2]
        assert "may have been charged" in (report.failed[0].error or "")
        assert items[1].input not in emu.charged
        forced = run(provider, "say", items, tmp_path, retry_uncertain=True)
    assert forced.ok and emu.charged[items[1].input] == 1  # type: ignore[index]


def test_items_are_checked_before_anything_is_sent(
        emu: BatchFakeEmulator, tmp_path: Path) -> None:
    with _connect(emu) as provider:
        with pytest.raises(vk.InvalidInput, match="item 2: no voice"):
            run(provider, "say", [BatchItem("a", voice="v1"), BatchItem("b")], tmp_path)
        with pytest.raises(vk.InvalidInput, match="item 2 repeats item 1"):
            run(provider, "say", [BatchItem("a", voice="v1")] * 2, tmp_path)
        with pytest.raises(vk.InvalidInput, match="must be a relative file name"):
            run(provider, "say", [BatchItem("a", voice="v1", output="../x.wav")], tmp_path)
        with pytest.raises(vk.InvalidInput, match="workers"):
            run(provider, "say", _items(1), tmp_path, workers=0)
    assert emu.log == []


def test_a_full_cap_holds_begin_on_the_actor_until_a_call_ends() -> None:
    """On Dask, a worker asking for a place under a full cap is held by the actor (no
    polling) and answered as soon as another call ends; after HOLD it hears "busy"."""
    import asyncio

    from voicekit_core.batch.dask import ActorCoordinator

    async def scenario() -> list[tuple[str, object, object]]:
        actor = ActorCoordinator(None, 0.0, None, max_calls=1)
        actor.HOLD = 0.05
        first = await actor.begin(None)
        held = asyncio.ensure_future(actor.begin(None))
        await asyncio.sleep(0.01)
        assert not held.done()  # waiting for a place, not answered "busy"
        await actor.end(1)
        second = await asyncio.wait_for(held, 1.0)
        timed_out = await asyncio.wait_for(actor.begin(None), 1.0)  # nobody ends: busy
        return [first, second, timed_out]

    first, second, timed_out = asyncio.run(scenario())
    assert first[0] == "go" and second[0] == "go"
    assert timed_out[0] == "busy"
