"""Training, one loop for every task: batching, Adam, clipping, early stopping, checkpoints.

A task (the tagger, the sentiment classifier) hands :func:`fit` three things:

- a network whose ``forward(**batch.inputs)`` returns outputs and whose
  ``loss(outputs, **batch.targets)`` turns them into a scalar;
- ``collate(examples) -> Batch``: a list of its examples as tensors;
- ``evaluate(network, examples) -> {"metric": value, ...}`` on the dev set, higher is better.

Every epoch ends with an atomic checkpoint (one safetensors file: current and best weights,
Adam's state and the torch RNG state as tensors, the rest as JSON in its header; no pickle),
so that Ctrl-C or SIGTERM leaves the best model usable and ``resume=True`` continues where the
last epoch ended. Batch order depends on the seed and the epoch number only, so a resumed run
draws the same batches as an uninterrupted one, and on CPU a run with ``seed`` repeats exactly.

Under ``torchrun`` (environment variables ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``) the same
loop trains data-parallel: the network is wrapped in ``DistributedDataParallel`` (gloo on CPU,
NCCL on CUDA), a ``DistributedSampler`` deals each process its share of the length-bucketed
batches, losses and dev metrics are reduced across processes so that every rank takes the
same early-stopping decision, and only rank 0 writes checkpoints and models. On CUDA the
forward pass runs under bfloat16 autocast (``TrainConfig.amp``).

Modules: :mod:`~seqnlp.training.config` (what a run is asked and what it did, torch-free),
:mod:`~seqnlp.training.loop` (:func:`~seqnlp.training.loop.fit`),
:mod:`~seqnlp.training.checkpoints`, :mod:`~seqnlp.training.distributed` (devices and
``torchrun``), and :mod:`~seqnlp.training.driver`, the skeleton a task's ``train`` function
fills in (output checks, ensemble members, saving the best model, clean-up). Only the config
is imported here, so that recipes and the CLI can name a :class:`TrainConfig` without torch.
"""

from seqnlp.training.config import DEVICES, TrainConfig, TrainResult

__all__ = ["DEVICES", "TrainConfig", "TrainResult"]
