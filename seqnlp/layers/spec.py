"""The choices a network is built from, and the tensors each layer holds, without torch.

Configs validate against these tuples, CLI options offer them, ``seqnlp info`` names cells by
their gate count, and loaders compute the shapes a weights file must hold from them: one
list of cells for all of it. The recurrent encoder's config fields are declared with these in
:mod:`seqnlp.layers.config`.
"""

from __future__ import annotations

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # gate blocks stacked in PyTorch's weight_ih/weight_hh
CELLS_BY_GATES = {gates: cell for cell, gates in GATES.items()}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # as papers and PyTorch write them
CHAR_ENCODERS = ("cnn", "lstm")
POOLINGS = ("last", "max", "mean", "attention")

Shapes = dict[str, tuple[int, ...]]


def directions(bidirectional: bool) -> int:
    return 2 if bidirectional else 1


def rnn_shapes(
    prefix: str, cell: str, layers: int, bidirectional: bool, inputs: int, hidden: int
) -> Shapes:
    """Tensor shapes of ``torch.nn.RNN/LSTM/GRU`` (biases included), named as in PyTorch."""
    gates = GATES[cell]
    shapes: Shapes = {}
    for layer in range(layers):
        size = inputs if layer == 0 else directions(bidirectional) * hidden
        for suffix in ("", "_reverse")[: directions(bidirectional)]:
            name = f"{prefix}{{}}_l{layer}{suffix}"
            shapes[name.format("weight_ih")] = (gates * hidden, size)
            shapes[name.format("weight_hh")] = (gates * hidden, hidden)
            shapes[name.format("bias_ih")] = (gates * hidden,)
            shapes[name.format("bias_hh")] = (gates * hidden,)
    return shapes


def linear_shapes(prefix: str, inputs: int, outputs: int) -> Shapes:
    """``torch.nn.Linear(inputs, outputs)``: ``weight`` (outputs, inputs) and ``bias``."""
    return {f"{prefix}weight": (outputs, inputs), f"{prefix}bias": (outputs,)}


def char_encoder_shapes(
    prefix: str, encoder: str, num_chars: int, char_dim: int, features: int, kernel: int
) -> Shapes:
    """The character encoder's tensors: an embedding, then a convolution or a BiLSTM."""
    shapes: Shapes = {f"{prefix}embedding.weight": (num_chars, char_dim)}
    if encoder == "lstm":
        shapes.update(rnn_shapes(f"{prefix}encoder.rnn.", "lstm", 1, True, char_dim, features // 2))
    else:
        shapes[f"{prefix}conv.weight"] = (features, char_dim, kernel)
        shapes[f"{prefix}conv.bias"] = (features,)
    return shapes
