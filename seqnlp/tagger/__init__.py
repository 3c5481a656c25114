"""Part-of-speech tagging: a recurrent tagger of UPOS and PTB XPOS tags.

Text goes one way: raw text -> :mod:`seqnlp.tokenize` -> tokens -> ids
(:class:`~seqnlp.tagger.encoding.TokenEncoder`) -> scores -> tags. Prediction runs in numpy
and never imports torch; training imports it on demand.

- :mod:`~seqnlp.tagger.config`: :class:`TaggerConfig` and the tensor shapes it implies;
- :mod:`~seqnlp.tagger.encoding`: tokens to ids, vocabularies, joint UPOS/XPOS decoding;
- :mod:`~seqnlp.tagger.network` (PyTorch) and :mod:`~seqnlp.tagger.numpy_network` (numpy);
- :mod:`~seqnlp.tagger.model`: :class:`Tagger`, the user-facing model (load, save, predict);
- :mod:`~seqnlp.tagger.scores`: how sure the tagger is of each tag;
- :mod:`~seqnlp.tagger.ensemble`: several taggers voting by averaged probabilities;
- :mod:`~seqnlp.tagger.silver`: raw text tagged by such teachers, for uptraining;
- :mod:`~seqnlp.tagger.formats`: streaming a user's lines, text/CoNLL-U/JSON output;
- :mod:`~seqnlp.tagger.offsets`: each token's characters in the text as the user wrote it;
- :mod:`~seqnlp.tagger.conllu_files`: CoNLL-U in and out, every other column kept;
- :mod:`~seqnlp.tagger.training`: :func:`train`, the task's hooks for the shared driver;
- :mod:`~seqnlp.tagger.recipe`: the shipped tagger's recipe (``train()``'s defaults);
- :mod:`~seqnlp.tagger.evaluation`: scores on gold tokens and from raw text.
"""

from seqnlp import deprecation as _deprecation
from seqnlp.tagger.config import TaggerConfig
from seqnlp.tagger.evaluation import evaluate_tagger
from seqnlp.tagger.formats import FORMATS, TAGSETS, SentenceTags, format_sentence, tag_lines
from seqnlp.tagger.model import TaggedToken, Tagger, Token
from seqnlp.tagger.recipe import RECIPE
from seqnlp.tagger.scores import TagScores
from seqnlp.tagger.training import train

__all__ = [
    "FORMATS",
    "RECIPE",
    "TAGSETS",
    "SentenceTags",
    "TagScores",
    "TaggedToken",
    "Tagger",
    "TaggerConfig",
    "Token",
    "evaluate_tagger",
    "format_sentence",
    "tag_lines",
    "train",
]

# exported until issue 28; each still resolves, with a warning naming its module
__getattr__ = _deprecation.moved_names(
    __name__,
    {
        "KIND": "seqnlp.tagger.config",
        "expected_shapes": "seqnlp.tagger.config",
        "MAX_WINDOW": "seqnlp.tagger.model",
        "TokenEncoder": "seqnlp.tagger.encoding",
        "build_vocabs": "seqnlp.tagger.encoding",
        "decode_tags": "seqnlp.tagger.encoding",
        "pair_ids": "seqnlp.tagger.encoding",
        "tag_pairs": "seqnlp.tagger.encoding",
        "split_text": "seqnlp.tokenize",
        "read_tagged": "seqnlp.tagger.training",
    },
)
