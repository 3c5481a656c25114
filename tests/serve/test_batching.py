"""The micro-batcher in-process: joining, order, limits and errors that stay their own."""

from __future__ import annotations

import asyncio
import threading

import pytest

from seqnlp.serve.batching import MicroBatcher


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        self.calls.append(list(items))
        self.threads.add(threading.current_thread().name)
        if self.fail_on in items:
            raise ValueError(f"bad item {self.fail_on}")
        return [item.upper() for item in items]


def run(batcher: MicroBatcher, requests: list[list[str]]) -> list:
    async def go():
        try:
            return await asyncio.gather(
                *(batcher.submit(r) for r in requests), return_exceptions=True
            )
        finally:
            batcher.close()

    return asyncio.run(go())


def test_concurrent_requests_share_calls_and_keep_their_order():
    fn = Recorder()
    requests = [[f"a{i}", f"b{i}"] for i in range(20)]
    results = run(MicroBatcher(fn, max_items=256, window=0.01), requests)
    assert results == [[f"A{i}", f"B{i}"] for i in range(20)]
    assert len(fn.calls) == 1 and len(fn.calls[0]) == 40


def test_max_items_splits_batches_but_never_a_request():
    fn = Recorder()
    requests = [["x"] * 3 for _ in range(10)] + [["big"] * 12]
    results = run(MicroBatcher(fn, max_items=7, window=0.01), requests)
    assert results[-1] == ["BIG"] * 12
    assert all(len(call) <= 7 or set(call) == {"big"} for call in fn.calls)
    assert sum(len(c) for c in fn.calls) == 42


def test_an_error_stays_with_the_request_that_caused_it():
    fn = Recorder(fail_on="bad")
    results = run(MicroBatcher(fn, window=0.01), [["ok1"], ["bad"], ["ok2"]])
    assert results[0] == ["OK1"] and results[2] == ["OK2"]
    assert isinstance(results[1], ValueError)


def test_no_window_still_answers_and_runs_off_the_event_loop():
    fn = Recorder()
    results = run(MicroBatcher(fn, window=0, name="test"), [["a"], ["b"]])
    assert results == [["A"], ["B"]]
    assert fn.threads == {n for n in fn.threads if n.startswith("seqnlp-test")}


def test_empty_request_and_bad_settings():
    fn = Recorder()
    assert run(MicroBatcher(fn), [[]]) == [[]] and fn.calls == []
    with pytest.raises(ValueError, match="max_items"):
        MicroBatcher(fn, max_items=0)
    with pytest.raises(ValueError, match="window"):
        MicroBatcher(fn, window=-1)
