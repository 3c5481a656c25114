"""Batches of similar length, for training and prediction alike: little padding, fast RNNs.

Torch-free: the numpy prediction paths sort their inputs the same way the training loop does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batch_schedule(
    lengths: Sequence[int],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int = 0,
    epoch: int = 0,
    max_tokens: int | None = None,
) -> list[list[int]]:
    """Group example indices into batches of similar length (little padding, fast RNNs).

    Examples are sorted by length with random tie-breaking, cut into batches, and the
    batches shuffled; the order depends only on ``seed`` and ``epoch``, so every process
    of a distributed run computes the same list (:func:`fit` then deals it out).

    Args:
        lengths: length of each example.
        batch_size: examples per batch.
        shuffle: shuffle ties and batch order (training); else batches in length order.
        max_tokens: also end a batch before its padded size (examples times the longest)
            would pass this, so that a batch of long sentences is smaller: what a forward
            pass holds grows with the padded size, not with the number of examples.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    order.sort(key=lambda i: lengths[i])  # stable: random order within one length
    if max_tokens is None:
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    else:
        batches = []
        for i in order:  # ascending lengths: the one added is the longest so far
            if batches and len(batches[-1]) < batch_size:
                if (len(batches[-1]) + 1) * lengths[i] <= max_tokens:
                    batches[-1].append(i)
                    continue
            batches.append([i])
    if shuffle:
        rng.shuffle(batches)
    return batches


def chunks(
    items: Iterable[T],
    size: int,
    length: Callable[[T], int] | None = None,
    max_tokens: int | None = None,
) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter): a stream read in bounded
    pieces, so that prediction over a file of any length runs in constant memory. With
    ``length`` and ``max_tokens`` a list also ends once its items' lengths reach
    ``max_tokens``: a few thousand very long sentences are as bounded as short ones."""
    items = iter(items)
    if length is None or max_tokens is None:
        while chunk := list(islice(items, size)):
            yield chunk
        return
    chunk, tokens = [], 0
    for item in items:
        chunk.append(item)
        tokens += length(item)
        if len(chunk) == size or tokens >= max_tokens:
            yield chunk
            chunk, tokens = [], 0
    if chunk:
        yield chunk
