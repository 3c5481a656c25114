"""The numpy forward passes against PyTorch's, for every cell, direction and depth."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqnlp.layers import numpy_layers as inference
from seqnlp.layers.spec import CELLS
from seqnlp.layers.torch_layers import CharCNN, RNNEncoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _numpy_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
def test_rnn_matches_pytorch(cell, bidirectional, layers):
    torch.manual_seed(0)
    enc = RNNEncoder(5, 7, cell=cell, layers=layers, bidirectional=bidirectional).eval()
    lengths = torch.tensor([3, 6, 1, 6, 4])
    x = torch.randn(5, 6, 5) * 2
    with torch.no_grad():
        want_out, want_final = enc(x, lengths)
    twin = inference.RNN(_numpy_state(enc), "rnn.", cell, layers, bidirectional)
    assert twin.output_size == enc.output_size
    out, final = twin(x.numpy(), lengths.numpy())
    np.testing.assert_allclose(out, want_out.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(final, want_final.numpy(), rtol=1e-5, atol=1e-5)


def test_char_cnn_matches_pytorch():
    torch.manual_seed(0)
    cnn = CharCNN(12, 4, 6, kernel_size=3).eval()
    chars = torch.tensor([[2, 3, 4, 5, 0, 0], [6, 7, 8, 9, 10, 11], [2, 1, 3, 0, 0, 0]])
    with torch.no_grad():
        want = cnn(chars).numpy()
    got = inference.CharCNN(_numpy_state(cnn), "")(chars.numpy())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_char_lstm_matches_pytorch():
    from seqnlp.layers.torch_layers import CharLSTM

    torch.manual_seed(0)
    lstm = CharLSTM(12, 4, 6).eval()
    chars = torch.tensor([[2, 3, 4, 5, 0, 0], [6, 7, 8, 9, 10, 11], [2, 1, 3, 0, 0, 0]])
    with torch.no_grad():
        want = lstm(chars).numpy()
    got = inference.CharLSTM(_numpy_state(lstm), "")(chars.numpy())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_rnn_rejects_bad_cell_and_lengths():
    enc = RNNEncoder(3, 4, cell="gru")
    with pytest.raises(ValueError, match="cell must be one of"):
        inference.RNN(_numpy_state(enc), "rnn.", "transformer", 1, True)
    twin = inference.RNN(_numpy_state(enc), "rnn.", "gru", 1, True)
    with pytest.raises(ValueError, match="lengths must be between 1 and 2"):
        twin(np.zeros((1, 2, 3), np.float32), np.array([0]))


@pytest.mark.parametrize("cell", CELLS)
def test_rnn_with_an_index_of_distinct_rows(cell):
    torch.manual_seed(0)
    enc = RNNEncoder(4, 5, cell=cell, layers=2, bidirectional=True).eval()
    rows = torch.randn(6, 4)
    index = torch.tensor([[0, 3, 3, 5], [2, 1, 0, 0]])
    lengths = torch.tensor([4, 2])
    with torch.no_grad():
        want, _ = enc(rows[index], lengths)
    twin = inference.RNN(_numpy_state(enc), "rnn.", cell, 2, True)
    got, _ = twin(rows.numpy(), lengths.numpy(), index=index.numpy())
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("parts", ["both", "words", "chars", "both-lstm", "chars-lstm"])
def test_tagger_network_matches_pytorch(cell, bidirectional, parts):
    from seqnlp.tagger import TaggerConfig
    from seqnlp.tagger.config import expected_shapes
    from seqnlp.tagger.network import TaggerNet
    from seqnlp.tagger.numpy_network import TaggerNumpy

    config = TaggerConfig(
        cell=cell,
        bidirectional=bidirectional,
        layers=2,
        hidden=6,
        word_dim=0 if parts.startswith("chars") else 5,
        char_encoder="lstm" if parts.endswith("lstm") else "cnn",
        char_dim=3,
        char_features=0 if parts == "words" else 4,
        num_words=20,
        num_chars=15,
        num_upos=7,
        num_xpos=9,
    )
    torch.manual_seed(1)
    net = TaggerNet(config).eval()
    state = _numpy_state(net)
    assert {k: v.shape for k, v in state.items()} == expected_shapes(config)
    # one word id per form, as TokenEncoder makes them: forms 0..4 are words 2, 5, 1, 7, 19
    words = torch.tensor([[2, 5, 1, 7], [19, 5, 0, 0], [1, 0, 0, 0]])
    chars = torch.tensor([[2, 4, 5, 3], [2, 6, 3, 0], [2, 1, 7, 3], [2, 8, 3, 0], [2, 14, 3, 0]])
    char_index = torch.tensor([[0, 1, 2, 3], [4, 1, 0, 0], [2, 0, 0, 0]])
    lengths = torch.tensor([4, 2, 1])
    with torch.no_grad():
        want = net(words, chars, char_index, lengths)
    got = TaggerNumpy(config, state)(
        words.numpy(), chars.numpy(), char_index.numpy(), lengths.numpy()
    )
    for g, w in zip(got, want, strict=True):
        for i, n in enumerate(lengths.tolist()):  # padding positions are never read
            np.testing.assert_allclose(g[i, :n], w[i, :n].numpy(), rtol=1e-4, atol=1e-5)
            assert (g[i, :n].argmax(-1) == w[i, :n].numpy().argmax(-1)).all()


def test_numpy_gru_with_open_reset_and_closed_update_gate_is_a_tanh_rnn():
    from tests.layers.test_torch_layers import _gru_as_rnn

    gru, rnn = _gru_as_rnn(bidirectional=True)
    x = np.random.default_rng(0).normal(size=(3, 5, 4)).astype(np.float32)
    lengths = np.array([5, 2, 4])
    out_gru, final_gru = inference.RNN(_numpy_state(gru), "rnn.", "gru", 2, True)(x, lengths)
    out_rnn, final_rnn = inference.RNN(_numpy_state(rnn), "rnn.", "rnn", 2, True)(x, lengths)
    np.testing.assert_allclose(out_gru, out_rnn, rtol=0, atol=1e-6)
    np.testing.assert_allclose(final_gru, final_rnn, rtol=0, atol=1e-6)


def test_log_softmax_matches_torch_and_survives_huge_scores():
    scores = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]], dtype=np.float32)
    expected = torch.from_numpy(scores).log_softmax(-1).numpy()
    np.testing.assert_allclose(inference.log_softmax(scores), expected, rtol=1e-6, atol=1e-6)
    assert np.isfinite(inference.log_softmax(scores)).all()  # no exp overflow
