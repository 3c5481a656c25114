"""One process of a ``torchrun`` job for tests/test_training.py: train a toy network, dump it.

Every rank sees its own batches (the summary lists them, for the test to check), so
identical weights afterwards prove that DistributedDataParallel averaged the gradients at
every step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from torch import nn

from seqnlp import serialization
from seqnlp.training import TrainConfig
from seqnlp.training.distributed import distributed
from seqnlp.training.loop import Batch, fit


class Toy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.dropout = nn.Dropout(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(x))

    def loss(self, scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(scores, y)


def main(out: Path) -> None:
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, 4, generator=generator)
    labels = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    examples = list(zip(range(len(x)), x, labels, strict=True))
    seen: list[list[int]] = []  # the examples of each training batch this rank stepped on

    def batch_of(examples):
        return Batch(
            {"x": torch.stack([e[1] for e in examples])},
            {"y": torch.stack([e[2] for e in examples])},
            len(examples),
        )

    def collate(examples):  # fit collates training batches only
        seen.append([e[0] for e in examples])
        return batch_of(examples)

    def evaluate(net, data):
        batch = batch_of(list(data))
        return {
            "accuracy": float((net(**batch.inputs).argmax(-1) == batch.targets["y"]).float().mean())
        }

    torch.manual_seed(1)
    network = Toy()
    records = []
    result = fit(
        network,
        examples,
        examples,
        collate=collate,
        evaluate=evaluate,
        metric="accuracy",
        config=TrainConfig(epochs=2, batch_size=4, lr=0.05, patience=0, device="cpu"),
        length=lambda example: 1,
        on_epoch=records.append,
        progress=False,
    )
    rank = distributed().rank
    serialization.save_tensors_atomic(
        out / f"rank{rank}.safetensors",
        {k: v.numpy() for k, v in network.state_dict().items()},
    )
    summary = {"best_metric": result.best_metric, "records": records, "batches": seen}
    (out / f"rank{rank}.json").write_text(json.dumps(summary), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
