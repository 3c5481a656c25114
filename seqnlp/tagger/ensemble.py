"""Several taggers as one: each head's probabilities averaged over the members, then the
usual pair decoding. Slower than any member and better than each, which makes it the
teacher that labels raw text for uptraining (:mod:`seqnlp.tagger.silver`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqnlp.errors import SeqnlpError
from seqnlp.layers.numpy_layers import softmax
from seqnlp.tagger.model import Tagger


class TaggerEnsemble(Tagger):
    """Taggers of the same tag sets, voting by averaged probabilities.

    Every :class:`Tagger` verb that reads (``predict``, ``predict_tokens``, ``iter_scored``,
    ``evaluate``...) works on the ensemble; each member reads the tokens with its own
    vocabulary, so members may differ in network, vectors and vocabulary size. The first
    member lends the tag sets, the (UPOS, XPOS) pairs and the unseen-word record.
    ``save`` is not offered: an ensemble is its members' directories.

    Raises:
        SeqnlpError: no members, or members whose tag sets differ.
    """

    def __init__(self, members: Sequence[Tagger]) -> None:
        if not members:
            raise SeqnlpError("an ensemble needs at least one tagger")
        first = members[0]
        for member in members[1:]:
            if member.upos_tags != first.upos_tags or member.xpos_tags != first.xpos_tags:
                raise SeqnlpError(
                    f"{member.path or member} and {first.path or first} have different tag "
                    "sets: an ensemble averages the probabilities of the same tags"
                )
        meta = {"ensemble": [str(m.path) if m.path else repr(m) for m in members]}
        super().__init__(
            first.config, first.vocabs, first.tensors, meta, None, first.train_words, first.pairs
        )
        self.members = list(members)

    def _scores(
        self, sentences: Sequence[Sequence[str]]
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Log of the members' mean probabilities, so that the decoder's (log-)softmax gives
        those probabilities back."""
        sums: list[np.ndarray] = []
        lengths = np.zeros(0)
        for member in self.members:
            lengths, heads = member._scores(sentences)
            probs = [softmax(h).astype(np.float64) for h in heads]
            sums = probs if not sums else [a + b for a, b in zip(sums, probs, strict=True)]
        upos, xpos = (np.log(np.maximum(s / len(self.members), 1e-30)) for s in sums)
        return lengths, (upos, xpos)

    def save(self, *args, **kwargs) -> None:  # noqa: D102 - the class docstring says why
        raise SeqnlpError("an ensemble is not saved: save (or keep) each member's directory")

    def __repr__(self) -> str:
        return f"<TaggerEnsemble of {len(self.members)}: {', '.join(map(repr, self.members))}>"
