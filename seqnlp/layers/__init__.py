"""Building blocks every task shares, each written twice: in PyTorch for training and in numpy
for prediction, so that tagging and classifying never import torch.

- :mod:`~seqnlp.layers.spec`: the torch-free vocabulary of choices (cells and their gates,
  character encoders, poolings) and the tensor shapes each layer holds;
- :mod:`~seqnlp.layers.config`: :class:`EncoderConfig`, the recurrent encoder's settings that
  both task configs inherit, declared once;
- :mod:`~seqnlp.layers.torch_layers`: the ``nn.Module`` layers (tensors in, tensors out);
- :mod:`~seqnlp.layers.numpy_layers`: their numpy twins, parity-tested against them.

A new cell type touches these three modules (and nothing in the tasks, which read ``CELLS``).
"""
