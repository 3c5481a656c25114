"""Part-of-speech tagging: a recurrent tagger of UPOS and PTB XPOS tags.

Text goes one way: raw text -> :mod:`seqnlp.tokenize` -> tokens -> ids
(:class:`~seqnlp.tagger.encoding.TokenEncoder`) -> scores -> tags. Prediction runs in numpy
and never imports torch; training imports it on demand.

- :mod:`~seqnlp.tagger.config`: :class:`TaggerConfig` and the tensor shapes it implies;
- :mod:`~seqnlp.tagger.encoding`: tokens to ids, vocabularies, joint UPOS/XPOS decoding;
- :mod:`~seqnlp.tagger.network` (PyTorch) and :mod:`~seqnlp.tagger.numpy_network` (numpy);
- :mod:`~seqnlp.tagger.model`: :class:`Tagger`, the user-facing model (load, save, tag);
- :mod:`~seqnlp.tagger.formats`: streaming a user's lines, text/CoNLL-U/JSON output;
- :mod:`~seqnlp.tagger.offsets`: each token's characters in the text as the user wrote it;
- :mod:`~seqnlp.tagger.conllu_files`: CoNLL-U in and out, every other column kept;
- :mod:`~seqnlp.tagger.training`: :func:`train`, the task's hooks for the shared driver;
- :mod:`~seqnlp.tagger.recipe`: the shipped tagger's recipe (``train()``'s defaults);
- :mod:`~seqnlp.tagger.evaluation`: scores on gold tokens and from raw text.
"""

from seqnlp.tagger.config import KIND, TaggerConfig, expected_shapes
from seqnlp.tagger.encoding import TokenEncoder, build_vocabs, decode_tags, pair_ids, tag_pairs
from seqnlp.tagger.evaluation import evaluate_tagger
from seqnlp.tagger.formats import (
    FORMATS,
    TAGSETS,
    SentenceTags,
    format_sentence,
    split_text,
    tag_lines,
)
from seqnlp.tagger.model import MAX_WINDOW, TaggedToken, Tagger, TagScores, Token
from seqnlp.tagger.recipe import RECIPE
from seqnlp.tagger.training import read_tagged, train

__all__ = [
    "FORMATS",
    "KIND",
    "MAX_WINDOW",
    "RECIPE",
    "TAGSETS",
    "SentenceTags",
    "TagScores",
    "TaggedToken",
    "Tagger",
    "TaggerConfig",
    "Token",
    "TokenEncoder",
    "build_vocabs",
    "decode_tags",
    "evaluate_tagger",
    "expected_shapes",
    "format_sentence",
    "pair_ids",
    "read_tagged",
    "split_text",
    "tag_lines",
    "tag_pairs",
    "train",
]
