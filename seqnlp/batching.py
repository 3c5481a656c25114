"""Batches of similar length, for training and prediction alike: little padding, fast RNNs.

Torch-free: the numpy prediction paths sort their inputs the same way the training loop does.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
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
) -> list[list[int]]:
    """Group example indices into batches of similar length (little padding, fast RNNs).

    Examples are sorted by length with random tie-breaking, cut into batches, and the
    batches shuffled; the order depends only on ``seed`` and ``epoch``, so every process
    of a distributed run computes the same list (:func:`fit` then deals it out).

    Args:
        lengths: length of each example.
        batch_size: examples per batch.
        shuffle: shuffle ties and batch order (training); else batches in length order.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    order.sort(key=lambda i: lengths[i])  # stable: random order within one length
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if shuffle:
        rng.shuffle(batches)
    return batches


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter): a stream read in bounded
    pieces, so that prediction over a file of any length runs in constant memory."""
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
