"""What a batch job did, gathered from its workers: rows, errors, model loads and memory.

Each task (a Spark partition, or one chunk in process) reports a :class:`JobStats` of its
own; :meth:`JobStats.merge` adds them up on the driver (a Spark accumulator does so as
tasks finish). Rows are keyed by partition, so a partition retried after a failure is
counted once.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from seqnlp.batch.core import ERROR_COLUMN
from seqnlp.batch.models import load_count, resident_bytes

if TYPE_CHECKING:
    import pandas as pd


@dataclasses.dataclass(frozen=True)
class JobStats:
    """Counters of one job.

    Args:
        rows: partition -> rows written.
        errors: partition -> rows with an error instead of a result.
        loads: process id -> model loads in the job's tasks (at most one is the target).
        memory: process id -> its resident bytes after its last task.
        cpu: partition -> CPU seconds of the task's process while it ran the task
            (prediction, and the engine's own work in that process: Arrow, Parquet).
    """

    rows: Mapping[int, int] = dataclasses.field(default_factory=dict)
    errors: Mapping[int, int] = dataclasses.field(default_factory=dict)
    loads: Mapping[int, int] = dataclasses.field(default_factory=dict)
    memory: Mapping[int, int] = dataclasses.field(default_factory=dict)
    cpu: Mapping[int, float] = dataclasses.field(default_factory=dict)

    @classmethod
    def task(
        cls, partition: int, rows: int, errors: int, pid: int, loads: int, memory: int, cpu: float
    ) -> JobStats:
        """The report of one finished task."""
        return cls(
            {partition: rows}, {partition: errors}, {pid: loads}, {pid: memory}, {partition: cpu}
        )

    def merge(self, other: JobStats) -> JobStats:
        """Both jobs' counters (a new object: a reader on another thread never sees a
        half-merged one)."""
        loads = dict(self.loads)
        for pid, n in other.loads.items():
            loads[pid] = loads.get(pid, 0) + n
        memory = dict(self.memory)
        for pid, n in other.memory.items():
            memory[pid] = max(memory.get(pid, 0), n)
        return JobStats(
            {**self.rows, **other.rows},
            {**self.errors, **other.errors},
            loads,
            memory,
            {**self.cpu, **other.cpu},
        )

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_errors(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict:
        """Plain numbers for logs and benchmark files."""
        return {
            "rows": self.total_rows,
            "errors": self.total_errors,
            "partitions": len(self.rows),
            "workers": len(self.memory),
            "model_loads": sum(self.loads.values()),
            "max_loads_per_worker": max(self.loads.values(), default=0),
            "max_worker_memory_mb": round(max(self.memory.values(), default=0) / 2**20, 1),
            "worker_cpu_seconds": round(sum(self.cpu.values()), 2),
        }


def counted(
    results: Iterable[pd.DataFrame], partition: int, report: Callable[[JobStats], None]
) -> Iterator[pd.DataFrame]:
    """Pass ``results`` (one task's result frames) through, then ``report`` their counts:
    rows, error rows, the model loads made meanwhile, this process's memory and CPU time."""
    before, cpu = load_count(), time.process_time()
    rows = errors = 0
    for frame in results:
        rows += len(frame)
        errors += int(frame[ERROR_COLUMN].notna().sum())
        yield frame
    loads, cpu = load_count() - before, time.process_time() - cpu
    report(JobStats.task(partition, rows, errors, os.getpid(), loads, resident_bytes(), cpu))
