"""Micro-batching: requests that arrive together share one batched model call.

A recurrent network tags 64 sentences in one padded batch much faster than 64 sentences one
at a time, so each model gets a :class:`MicroBatcher`: requests put their items in its
queue; one task takes whatever is waiting (after a short window that lets more join, and up
to ``max_items``), runs one call in the model's own worker thread, and hands each request
its slice of the answers. While a batch runs the next one gathers, so under load batches
grow by themselves, and the event loop never waits on numpy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("seqnlp")


class MicroBatcher:
    """Join the items of concurrent requests into batched calls of ``fn``.

    Args:
        fn: a list of items -> a list of as many results, in order.
        max_items: most items in one call; a request with more runs alone.
        window: seconds to wait for more requests after the first one arrives
            (0: take only what is already waiting; while one call runs, the next
            batch gathers anyway).
        name: for the worker thread's name and log messages.
    """

    def __init__(
        self,
        fn: Callable[[list[Any]], Sequence[Any]],
        *,
        max_items: int = 256,
        window: float = 0.0,
        name: str = "model",
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        if window < 0:
            raise ValueError(f"window must be at least 0, got {window}")
        self.fn = fn
        self.max_items = max_items
        self.window = window
        self.name = name
        self._pending: list[tuple[list[Any], asyncio.Future]] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"seqnlp-{name}")
        self.calls = 0  # batched calls made (for tests and /v1/info)
        self.items = 0  # items answered

    async def submit(self, items: Sequence[Any]) -> list[Any]:
        """The results of ``fn`` for ``items``, computed with whatever else is waiting."""
        if not items:
            return []
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._run(), name=f"seqnlp-batcher-{self.name}")
        future: asyncio.Future = loop.create_future()
        self._pending.append((list(items), future))
        self._wakeup.set()
        return await future

    def close(self) -> None:
        """Stop the batching task and the worker thread (pending requests are cancelled)."""
        if self._task is not None:
            self._task.cancel()
        for _, future in self._pending:
            future.cancel()
        self._pending.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _take(self) -> list[tuple[list[Any], asyncio.Future]]:
        batch, size = [], 0
        while self._pending:
            items, future = self._pending[0]
            if batch and size + len(items) > self.max_items:
                break
            self._pending.pop(0)
            if future.done():  # the client went away
                continue
            batch.append((items, future))
            size += len(items)
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            if self.window and sum(len(i) for i, _ in self._pending) < self.max_items:
                await asyncio.sleep(self.window)
            batch = self._take()
            if not self._pending:
                self._wakeup.clear()
            if not batch:
                continue
            flat = [item for items, _ in batch for item in items]
            try:
                results = await loop.run_in_executor(self._executor, self.fn, flat)
            except Exception as exc:
                if len(batch) == 1:
                    if not batch[0][1].done():
                        batch[0][1].set_exception(exc)
                else:  # answer each request alone: an error stays with the one that caused it
                    for request in batch:
                        await self._one(loop, request)
                continue
            self.calls += 1
            self.items += len(flat)
            start = 0
            for items, future in batch:
                if not future.done():
                    future.set_result(list(results[start : start + len(items)]))
                start += len(items)

    async def _one(self, loop: asyncio.AbstractEventLoop, request) -> None:
        items, future = request
        try:
            results = await loop.run_in_executor(self._executor, self.fn, items)
        except Exception as exc:  # the request's own error, raised in its handler
            if not future.done():
                future.set_exception(exc)
            return
        self.calls += 1
        self.items += len(items)
        if not future.done():
            future.set_result(list(results))
