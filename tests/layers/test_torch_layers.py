"""The networks: encoder shapes and masking, the GRU/RNN identity, the tagger network's loss."""

from __future__ import annotations

import pytest
import torch

from seqnlp.layers.config import EncoderConfig
from seqnlp.layers.spec import CELLS
from seqnlp.layers.torch_layers import IGNORE_INDEX, CharCNN, RNNEncoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _batch(lengths, dim=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), max(lengths), dim, generator=gen)
    for i, n in enumerate(lengths):
        x[i, n:] = 0.0
    return x, torch.tensor(lengths)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_encoder_shapes_and_zero_padding(cell, bidirectional):
    torch.manual_seed(0)
    enc = RNNEncoder(5, 7, cell=cell, layers=2, bidirectional=bidirectional)
    x, lengths = _batch([4, 2, 3])
    outputs, final = enc(x, lengths)
    dirs = 2 if bidirectional else 1
    assert enc.output_size == dirs * 7
    assert outputs.shape == (3, 4, dirs * 7) and final.shape == (3, dirs * 7)
    assert torch.all(outputs[1, 2:] == 0) and torch.all(outputs[2, 3:] == 0)
    # final forward state = output at the last real step; backward = output at step 0
    for i, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(final[i, :7], outputs[i, n - 1, :7])
        if bidirectional:
            torch.testing.assert_close(final[i, 7:], outputs[i, 0, 7:])


@pytest.mark.parametrize("cell", CELLS)
def test_padding_does_not_change_a_sequence(cell):
    torch.manual_seed(0)
    enc = RNNEncoder(5, 6, cell=cell, layers=2, bidirectional=True).eval()
    x, lengths = _batch([3], seed=1)
    alone, final_alone = enc(x, lengths)
    padded = torch.cat([x, torch.randn(1, 6, 5)], dim=1)  # garbage after the end
    other, _ = _batch([9], seed=2)
    together, final_together = enc(torch.cat([padded, other]), torch.tensor([3, 9]))
    torch.testing.assert_close(together[0, :3], alone[0])
    torch.testing.assert_close(final_together[0], final_alone[0])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_encoder_from_config_holds_the_tensors_the_config_names(cell, bidirectional):
    config = EncoderConfig(
        cell=cell, bidirectional=bidirectional, layers=2, hidden=4, word_dim=3, dropout=0.2
    )
    encoder = RNNEncoder.from_config(config)
    shapes = {f"encoder.{k}": tuple(v.shape) for k, v in encoder.state_dict().items()}
    assert shapes == config.encoder_shapes()
    assert encoder.output_size == config.output_size and encoder.rnn.dropout == 0.2


def test_encoder_rejects_bad_options_and_lengths():
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\)"):
        RNNEncoder(5, 7, cell="transformer")
    enc = RNNEncoder(5, 7)
    x, _ = _batch([3, 2])
    with pytest.raises(ValueError, match="lengths must be between 1 and 3"):
        enc(x, torch.tensor([3, 0]))


def _gru_as_rnn(bidirectional: bool) -> tuple[RNNEncoder, RNNEncoder]:
    """A GRU whose reset gate is held open (r = 1) and whose update gate always takes the
    candidate (z = 0), beside a tanh RNN sharing its candidate weights."""
    torch.manual_seed(3)
    gru = RNNEncoder(4, 6, cell="gru", layers=2, bidirectional=bidirectional)
    rnn = RNNEncoder(4, 6, cell="rnn", layers=2, bidirectional=bidirectional)
    h = 6
    with torch.no_grad():
        for name, param in gru.rnn.named_parameters():
            # PyTorch stacks the GRU gates as [reset | update | new]
            param[: 2 * h] = 0.0
            if name.startswith("bias_ih"):
                param[:h] = 1e4  # sigmoid(1e4) == 1.0 exactly: the reset gate is open
                param[h : 2 * h] = -1e4  # sigmoid(-1e4) == 0.0: h' = candidate
            getattr(rnn.rnn, name).copy_(param[2 * h :])
    return gru, rnn


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gru_with_open_reset_and_closed_update_gate_is_a_tanh_rnn(bidirectional):
    gru, rnn = _gru_as_rnn(bidirectional)
    x, lengths = _batch([5, 3, 1], dim=4)
    out_gru, final_gru = gru(x, lengths)
    out_rnn, final_rnn = rnn(x, lengths)
    torch.testing.assert_close(out_gru, out_rnn, rtol=0, atol=1e-6)
    torch.testing.assert_close(final_gru, final_rnn, rtol=0, atol=1e-6)
    # and an ordinary GRU is not a tanh RNN
    torch.manual_seed(3)
    plain = RNNEncoder(4, 6, cell="gru", layers=2, bidirectional=bidirectional)
    assert not torch.allclose(plain(x, lengths)[0], out_rnn, atol=1e-3)


def test_char_cnn_ignores_padding():
    torch.manual_seed(0)
    cnn = CharCNN(10, 4, 8, kernel_size=3)
    short = torch.tensor([[2, 3, 4]])
    padded = torch.tensor([[2, 3, 4, 0, 0, 0]])
    torch.testing.assert_close(cnn(short), cnn(padded))
    assert cnn(torch.tensor([[2, 3, 4, 0], [5, 6, 7, 8]])).shape == (2, 8)
    assert IGNORE_INDEX < 0


def test_tagger_loss_is_the_mean_over_real_tokens():
    from seqnlp.tagger.network import TaggerNet
    from tests.tagger.data import tiny_config

    net = TaggerNet(tiny_config(num_words=10, num_chars=10, num_upos=4, num_xpos=5))
    gen = torch.Generator().manual_seed(0)
    scores = (torch.randn(2, 3, 4, generator=gen), torch.randn(2, 3, 5, generator=gen))
    upos = torch.tensor([[0, 3, 1], [2, IGNORE_INDEX, IGNORE_INDEX]])
    xpos = torch.tensor([[4, 0, 1], [2, IGNORE_INDEX, IGNORE_INDEX]])
    real = upos >= 0
    ce = torch.nn.functional.cross_entropy
    expected = ce(scores[0][real], upos[real]) + ce(scores[1][real], xpos[real])
    torch.testing.assert_close(net.loss(scores, upos, xpos), expected)
    # whatever the scores at padding, the loss stays the same
    noisy = tuple(
        torch.where(real[..., None], s, torch.randn(s.shape, generator=gen) * 9) for s in scores
    )
    torch.testing.assert_close(net.loss(noisy, upos, xpos), expected)
