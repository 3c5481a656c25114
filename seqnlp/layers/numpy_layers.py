"""Numpy twins of :mod:`seqnlp.layers.torch_layers`, for prediction without torch.

``import torch`` alone costs 1.3-1.8 s on a small machine, longer than a user should wait to
tag one sentence, so prediction runs here on the safetensors weights (the same names as
the PyTorch ``state_dict``). Each class takes its PyTorch twin's arrays by name prefix, and
``tests/layers/test_numpy_layers.py`` checks them against PyTorch for every cell and direction.

Speed matters as much as start-up: one matrix product computes every time step's input
projection of both directions at once, the two directions then step together as one
batched product, and sequences are sorted longest first so that step ``t`` only touches the
sequences still running (the numpy equivalent of packing). LSTM and GRU gate rows are
pre-scaled by 1/2 at load time so that a single ``tanh`` gives both the sigmoid gates
(``sigmoid(x) = (1 + tanh(x / 2)) / 2``) and the tanh ones.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from seqnlp.layers.config import ENCODER_PREFIX, EncoderConfig
from seqnlp.layers.spec import CELLS, GATES


def f32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``x @ weight.T + bias`` over the last axis, as ``torch.nn.Linear`` (weight: (out, in))."""
    y = x @ weight.T
    return y + bias if bias is not None else y


class RNN:
    """Numpy twin of :class:`seqnlp.layers.torch_layers.RNNEncoder`.

    Args:
        tensors: weights named as in the PyTorch ``state_dict``.
        prefix: the encoder's RNN module path, e.g. ``"encoder.rnn."``.
        cell: ``rnn``, ``lstm`` or ``gru``.
        layers: stacked layers.
        bidirectional: whether ``*_reverse`` weights exist and are used.
    """

    def __init__(
        self,
        tensors: Mapping[str, np.ndarray],
        prefix: str,
        cell: str,
        layers: int,
        bidirectional: bool,
    ) -> None:
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        self.cell = cell
        self.layers = layers
        self.directions = 2 if bidirectional else 1
        gates = GATES[cell]
        self.hidden_size = int(tensors[f"{prefix}weight_hh_l0"].shape[1])
        h = self.hidden_size
        # gate rows whose sigmoid is computed as (1 + tanh(x/2)) / 2
        half = np.ones(gates * h, dtype=np.float32)
        if cell == "lstm":  # i, f, g, o
            half[: 2 * h] = 0.5
            half[3 * h :] = 0.5
        elif cell == "gru":  # r, z, n
            half[: 2 * h] = 0.5
        self._layers = []
        for layer in range(layers):
            w_ih, w_hh, b_x, b_hn = [], [], [], []
            for suffix in ("", "_reverse")[: self.directions]:
                name = f"l{layer}{suffix}"
                wi = f32(tensors[f"{prefix}weight_ih_{name}"])
                wh = f32(tensors[f"{prefix}weight_hh_{name}"])
                bi = f32(tensors[f"{prefix}bias_ih_{name}"])
                bh = f32(tensors[f"{prefix}bias_hh_{name}"])
                bias = bi + bh
                if cell == "gru":  # b_hn sits inside r * (W_hn h + b_hn): keep it apart
                    bias[2 * h :] = bi[2 * h :]
                    b_hn.append(bh[2 * h :])
                w_ih.append(wi * half[:, None])
                w_hh.append((wh * half[:, None]).T)
                b_x.append(bias * half)
            self._layers.append(
                (
                    f32(np.concatenate(w_ih, axis=0).T),  # (input, directions*gates*h)
                    f32(np.concatenate(b_x)),  # (directions*gates*h,)
                    f32(np.stack(w_hh)),  # (directions, h, gates*h)
                    f32(np.stack(b_hn)[:, None, :]) if b_hn else None,  # (directions, 1, h)
                )
            )

    @classmethod
    def from_config(cls, tensors: Mapping[str, np.ndarray], config: EncoderConfig) -> RNN:
        """A task network's encoder, read from the tensors under ``encoder.rnn.``."""
        return cls(tensors, ENCODER_PREFIX, config.cell, config.layers, config.bidirectional)

    @property
    def output_size(self) -> int:
        return self.directions * self.hidden_size

    def __call__(
        self, inputs: np.ndarray, lengths: np.ndarray, index: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encode a padded batch.

        Args:
            inputs: (batch, seq, input) features; or, with ``index``, (rows, input) features
                of distinct items (e.g. word types) that ``index`` places in the batch.
            lengths: (batch,) lengths, each between 1 and seq.
            index: (batch, seq) row of ``inputs`` at each position. The first layer's input
                projection is then computed once per distinct row rather than per token.

        Returns:
            ``outputs`` (batch, seq, directions*hidden), zero at padding, and ``final``
            (batch, directions*hidden), as :meth:`seqnlp.layers.torch_layers.RNNEncoder.forward`.
        """
        lengths = np.asarray(lengths, dtype=np.int64)
        batch, steps = (index if index is not None else inputs).shape[:2]
        if len(lengths) != batch:
            raise ValueError(f"{len(lengths)} lengths for a batch of {batch}")
        if batch and (lengths.min() < 1 or lengths.max() > steps):
            raise ValueError(f"lengths must be between 1 and {steps}")
        # Everything below is time-major, (seq, batch, ...), with the batch sorted longest
        # first, so that step t reads contiguous rows and only the first active[t] of them.
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        active = (lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1)  # (seq,)
        # position read at step t by the backward direction: each sequence reversed within
        # its length (an involution: applying it twice restores the order)
        pos = np.arange(steps)[:, None]
        reverse = np.where(pos < lengths[None, :], lengths[None, :] - 1 - pos, pos)  # (seq, batch)
        cols = np.broadcast_to(np.arange(batch)[None, :], (steps, batch))
        x = None  # the previous layer's outputs, (seq, batch, directions*hidden)
        if index is None:
            x = f32(inputs[order].transpose(1, 0, 2))
        else:
            rows = index[order].T  # (seq, batch)
        final = None
        for layer, (w_ih, b_x, w_hh, b_hn) in enumerate(self._layers):
            gh = w_hh.shape[2]
            xs = np.empty((self.directions, steps, batch, gh), dtype=np.float32)
            if layer == 0 and index is not None:
                table = (f32(inputs) @ w_ih + b_x).reshape(len(inputs), self.directions, gh)
                xs[0] = table[rows, 0]
                if self.directions == 2:
                    xs[1] = table[rows[reverse, cols], 1]
            else:
                features = x.shape[2]
                for d in range(self.directions):
                    source = x if d == 0 else x[reverse, cols]
                    np.matmul(
                        source.reshape(steps * batch, features),
                        w_ih[:, d * gh : (d + 1) * gh],
                        out=xs[d].reshape(steps * batch, gh),
                    )
                    xs[d] += b_x[d * gh : (d + 1) * gh]
            x, final = self._layer(xs, w_hh, b_hn, active, reverse, cols)
        outputs = np.empty((batch, steps, x.shape[2]), dtype=np.float32)
        outputs[order] = x.transpose(1, 0, 2)
        unsorted_final = np.empty_like(final)
        unsorted_final[order] = final
        return outputs, unsorted_final

    def _layer(self, xs, w_hh, b_hn, active, reverse, cols):
        """One layer, both directions stepping together; returns its outputs time-major in
        natural order, zero at padding, and the final states."""
        dirs, steps, batch, _ = xs.shape
        h = self.hidden_size
        state = np.zeros((dirs, batch, h), dtype=np.float32)
        memory = np.zeros((dirs, batch, h), dtype=np.float32) if self.cell == "lstm" else None
        out = np.zeros((dirs, steps, batch, h), dtype=np.float32)
        cell = self.cell
        for t in range(steps):
            n = int(active[t])
            prev = state[:, :n]
            g = np.matmul(prev, w_hh)  # (dirs, n, gates*h)
            xt = xs[:, t, :n]
            if cell == "lstm":
                g += xt
                np.tanh(g, out=g)
                sig = g[..., : 2 * h]  # i, f
                sig *= 0.5
                sig += 0.5
                o = g[..., 3 * h :]
                o *= 0.5
                o += 0.5
                c = memory[:, :n] * g[..., h : 2 * h] + g[..., :h] * g[..., 2 * h : 3 * h]
                memory[:, :n] = c
                new = o * np.tanh(c)
            elif cell == "gru":
                rz = np.tanh(xt[..., : 2 * h] + g[..., : 2 * h])
                rz *= 0.5
                rz += 0.5
                candidate = np.tanh(xt[..., 2 * h :] + rz[..., :h] * (g[..., 2 * h :] + b_hn))
                new = candidate + rz[..., h:] * (prev - candidate)
            else:
                g += xt
                new = np.tanh(g, out=g)
            state[:, :n] = new
            out[:, t, :n] = new
        outputs = np.empty((steps, batch, dirs * h), dtype=np.float32)
        outputs[:, :, :h] = out[0]
        if dirs == 2:
            outputs[:, :, h:] = out[1][reverse, cols]  # back from reversed time
        return outputs, state.transpose(1, 0, 2).reshape(batch, dirs * h)


class CharCNN:
    """Numpy twin of :class:`~seqnlp.layers.torch_layers.CharCNN` (``prefix``: "char_encoder.").

    A convolution over one-hot characters is a sum of table lookups: for each offset ``j``
    of the window, ``embedding @ weight[:, :, j].T`` gives every character's contribution,
    so the forward pass is ``kernel`` gathers and no matrix product.
    """

    def __init__(self, tensors: Mapping[str, np.ndarray], prefix: str) -> None:
        embedding = f32(tensors[f"{prefix}embedding.weight"])  # (chars, char_dim)
        weight = f32(tensors[f"{prefix}conv.weight"])  # (filters, char_dim, kernel)
        self.kernel = weight.shape[2]
        self.tables = [f32(embedding @ weight[:, :, j].T) for j in range(self.kernel)]
        self.bias = f32(tensors[f"{prefix}conv.bias"])
        self.output_size = weight.shape[0]

    def __call__(self, chars: np.ndarray) -> np.ndarray:
        """(words, chars) ids, 0 after each word's end -> (words, filters)."""
        words, length = chars.shape
        pad = self.kernel // 2
        padded = np.zeros((words, length + 2 * pad), dtype=chars.dtype)
        padded[:, pad : pad + length] = chars  # id 0 pads, and its embedding row is zero
        scores = self.tables[0][padded[:, :length]]
        for j in range(1, self.kernel):
            scores += self.tables[j][padded[:, j : j + length]]
        scores[chars == 0] = -np.inf
        return np.tanh(scores.max(axis=1) + self.bias)


class CharLSTM:
    """Numpy twin of :class:`~seqnlp.layers.torch_layers.CharLSTM` (``prefix``: "char_encoder.")."""

    def __init__(self, tensors: Mapping[str, np.ndarray], prefix: str) -> None:
        self.embedding = f32(tensors[f"{prefix}embedding.weight"])
        self.encoder = RNN(tensors, f"{prefix}encoder.rnn.", "lstm", 1, True)
        self.output_size = self.encoder.output_size

    def __call__(self, chars: np.ndarray) -> np.ndarray:
        """(words, chars) ids, 0 after each word's end -> (words, features)."""
        return self.encoder(self.embedding, (chars != 0).sum(axis=1), index=chars)[1]


def softmax(scores: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis, computed stably (float32 in, float32 out)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis, computed stably."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
