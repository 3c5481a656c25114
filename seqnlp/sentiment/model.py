"""The user-facing :class:`SentimentClassifier`: raw text in, label and probability out.

Prediction runs the trained networks in numpy (:mod:`seqnlp.sentiment.numpy_network`), so
``seqnlp sentiment "..."`` never imports torch. A saved classifier is a model directory of
kind ``"sentiment"``: its members' weights (and the n-gram model's), the vocabulary, labels.
Words added after training through their pretrained vectors are worked out in
:mod:`seqnlp.sentiment.added_words`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seqnlp import deprecation, serialization
from seqnlp.batching import batch_schedule, chunks
from seqnlp.calibration import confidence_and_correct, expected_calibration_error, reliability_bins
from seqnlp.corpus import LabeledText
from seqnlp.errors import DataError, ModelFileError
from seqnlp.evaluation import classification_report, confusion_matrix
from seqnlp.layers.numpy_layers import softmax
from seqnlp.layers.threads import one_blas_thread
from seqnlp.sentiment import added_words
from seqnlp.sentiment.checklist import CheckItem, score_by_category
from seqnlp.sentiment.config import (
    KIND,
    PRETRAINED,
    RETIRED_FIELDS,
    SentimentConfig,
    expected_shapes,
    member_prefix,
    member_tensors,
)
from seqnlp.sentiment.data import PLACEHOLDERS, check_labels, read_source, to_example
from seqnlp.sentiment.ngrams import NgramModel
from seqnlp.sentiment.numpy_network import SentimentNumpy
from seqnlp.vocab import UNK_ID, Vocab

if TYPE_CHECKING:
    from seqnlp.embeddings import WordVectors

log = logging.getLogger("seqnlp")


# The label of a text that gives the model no evidence (see SentimentClassifier.evidence).
UNKNOWN = "unknown"
# A word in at least this share of the training texts is a corpus stop word ("the", "a",
# "of", "and", "is", ","...), as scikit-learn's max_df: alone, no evidence of sentiment.
STOP_WORD_SHARE = 0.1


@dataclass(frozen=True)
class Prediction:
    """The answer for one text: the best label, its probability, and every class's.

    ``known`` is False when the text gives the model no evidence (``reason`` says why:
    "no known word" for "!!!", an emoji or CJK, "only common words" for "a"); the label
    is then ``"unknown"`` and every class equally probable.
    """

    label: str
    probability: float
    probabilities: dict[str, float]
    known: bool = True
    reason: str | None = None

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "probability": self.probability,
            "probabilities": self.probabilities,
            "known": self.known,
            "reason": self.reason,
        }


class SentimentClassifier:
    """A trained sentence classifier: network weights, vocabulary, labels and config.

    Prediction runs in numpy (no torch import); :func:`train` builds one with PyTorch.

    Args:
        config: the network's shape.
        vocab: the word vocabulary.
        labels: the label of each output, as in the training data (e.g. "0", "1").
        tensors: the ``state_dict`` of :class:`~seqnlp.sentiment.network.SentimentNet`
            (plus ``ngrams.*``, the :class:`NgramModel`'s, when ``config.num_ngrams``).
        label_names: what to call each label in answers (e.g. "negative", "positive");
            by default the labels themselves.
        meta: training data, metrics, timings (saved as meta.json).
        ngrams: the n-gram model's features, in column order.
    """

    def __init__(
        self,
        config: SentimentConfig,
        vocab: Vocab,
        labels: Sequence[str],
        tensors: dict[str, np.ndarray],
        label_names: Sequence[str] | None = None,
        meta: dict | None = None,
        ngrams: Sequence[str] | None = None,
    ) -> None:
        if len(labels) != config.num_labels or len(vocab) != config.num_words:
            raise ModelFileError(
                f"config says {config.num_labels} labels and {config.num_words} words, "
                f"found {len(labels)} and {len(vocab)}"
            )
        self.config = config
        self.vocab = vocab
        self.labels = list(labels)
        self.label_names = list(label_names) if label_names else list(self.labels)
        if len(self.label_names) != len(self.labels):
            raise ModelFileError(f"{len(self.label_names)} label names for {len(labels)} labels")
        self.tensors = tensors
        self.meta = dict(meta or {})
        self.ngrams = list(ngrams or [])
        if len(self.ngrams) != config.num_ngrams:
            raise ModelFileError(
                f"config says {config.num_ngrams} n-grams, found {len(self.ngrams)}"
            )
        self._numpy = None
        self._ngram_model = None
        self._stop_words: frozenset[str] | None = None
        self._cut_said = False

    # ------------------------------------------------------------------ prediction
    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` the model reads (cut to ``max_tokens``, with a warning)."""
        tokens = to_example(text, max_tokens=None)
        if len(tokens) > self.config.max_tokens:
            # once per model: scoring a file of long reviews says it once, not per review
            level = logging.DEBUG if self._cut_said else logging.WARNING
            log.log(level, "a text of %d tokens was cut to its first %d (max_tokens)",
                    len(tokens), self.config.max_tokens)  # fmt: skip
            self._cut_said = True
            tokens = tokens[: self.config.max_tokens]
        return tokens

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; a text without tokens becomes one unknown word."""
        return self.vocab.encode(self.tokens(text)) or [UNK_ID]

    @property
    def ngram_model(self) -> NgramModel | None:
        """The n-gram component, or None when the network predicts alone."""
        if self._ngram_model is None and self.config.num_ngrams:
            self._ngram_model = NgramModel(
                self.ngrams,
                self.tensors["ngrams.idf"],
                self.tensors["ngrams.coef"],
                self.tensors["ngrams.intercept"],
                negation=self.config.ngram_negation,
            )
        return self._ngram_model

    @property
    def stop_words(self) -> frozenset[str]:
        """Words in at least :data:`STOP_WORD_SHARE` of the training texts, read off the
        n-gram part's idf (scikit-learn's smooth idf: ``1 + ln((1 + n) / (1 + df))``);
        empty for a classifier without one."""
        if self._stop_words is None:
            words: frozenset[str] = frozenset()
            model = self.ngram_model
            if model is not None:
                cut = 1.0 + np.log(1.0 / STOP_WORD_SHARE)
                common = (model.ngrams[i] for i in np.flatnonzero(model.idf <= cut))
                words = frozenset(g for g in common if " " not in g)
            self._stop_words = words
        return self._stop_words

    def evidence(self, tokens: Sequence[str]) -> str | None:
        """None when the model has evidence to judge ``tokens`` on, else why not.

        The rule: at least one token must be in the vocabulary, hold a letter and not be a
        :attr:`stop_words` word, an @mention or a web address (``@user``, ``<url>``).
        Otherwise the networks answer from nothing: a text of unknown words ("!!!", "👍",
        "東京は大きい") reads as one unknown word (positive 0.556 for the film model), and a
        lone function word as a polar phrase, since SST-2 keeps no neutral phrase ("a":
        positive 0.924, from both of the model's parts).
        """
        stoi = self.vocab.stoi
        known = [
            t
            for t in tokens
            if stoi.get(t, UNK_ID) > UNK_ID and any(map(str.isalpha, t)) and t not in PLACEHOLDERS
        ]
        if not known:
            return "no known word"
        stop = self.stop_words
        if all(t in stop for t in known):
            return "only common words"
        return None

    def probabilities(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """(len(texts), num_labels) class probabilities, in the order of ``self.labels``:
        the model's output, even for a text it has no evidence on (:meth:`predict` then
        answers "unknown")."""
        return self._probabilities([self.tokens(text) for text in texts], batch_size)

    def _probabilities(self, tokens: Sequence[Sequence[str]], batch_size: int) -> np.ndarray:
        if self._numpy is None:
            self._numpy = [
                SentimentNumpy(self.config, member_tensors(self.tensors, m, self.config.members))
                for m in range(self.config.members)
            ]
        ids = [self.vocab.encode(t) or [UNK_ID] for t in tokens]
        out = np.empty((len(ids), self.config.num_labels), dtype=np.float32)
        with one_blas_thread():
            # similar lengths together: less padding, fewer wasted recurrent steps
            for chunk in batch_schedule([len(x) for x in ids], batch_size, shuffle=False):
                words, lengths = pad([ids[i] for i in chunk])
                out[chunk] = np.mean([softmax(net(words, lengths)) for net in self._numpy], axis=0)
        weight = self.config.ngram_weight
        if weight and self.ngram_model is not None:
            out = (1 - weight) * out + weight * self.ngram_model.probabilities(tokens)
        return out

    def predict(self, texts: Sequence[str] | str, batch_size: int = 256) -> list[Prediction]:
        """Classify texts (raw or SST-tokenised) in batches.

        Returns:
            One :class:`Prediction` per text, in order; ``known=False`` and the label
            ``"unknown"`` for a text the model has no evidence on (:meth:`evidence`).

        Raises:
            DataError: a text is empty or blank (``text 2 is empty``), as on the command line.
        """
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        _refuse_empty(texts)
        tokens = [self.tokens(text) for text in texts]
        probs = self._probabilities(tokens, batch_size)
        uniform = {name: 1.0 / len(self.label_names) for name in self.label_names}
        predictions = []
        for words, p in zip(tokens, probs, strict=True):
            reason = self.evidence(words)
            if reason is not None:
                predictions.append(Prediction(UNKNOWN, 1.0 / len(uniform), uniform, False, reason))
                continue
            best = int(p.argmax())
            names = self.label_names
            predictions.append(
                Prediction(
                    names[best],
                    float(p[best]),
                    {n: float(q) for n, q in zip(names, p, strict=True)},
                )
            )
        return predictions

    def predict_stream(
        self, texts: Iterable[str], batch_size: int = 256
    ) -> Iterator[tuple[str, Prediction]]:
        """Classify a stream (e.g. a file's lines) with constant memory, in order."""
        first = 1
        for chunk in chunks(texts, batch_size * 8):
            _refuse_empty(chunk, first)  # numbered as in the whole stream
            yield from zip(chunk, self.predict(chunk, batch_size), strict=True)
            first += len(chunk)

    def label_index(self, gold: str) -> int:
        """The output index of a gold label given as in the data or by its name."""
        if gold in self.labels:
            return self.labels.index(gold)
        return self.label_names.index(gold)

    @deprecation.renamed_keywords(examples="data")
    def evaluate(
        self,
        data: Sequence[LabeledText] | str | os.PathLike,
        batch_size: int = 256,
        categories: Sequence[str] | None = None,
    ) -> dict:
        """Accuracy, per-class precision/recall/F1, macro F1, the confusion matrix, and the
        calibration of the probabilities (expected calibration error over 15 bins).

        Args:
            data: labelled texts, or a file or dataset spec (``sst2:test``; a dataset's
                test split by default) read with :func:`seqnlp.sentiment.read_source`.
            categories: one category name per example (a check list's): the report then
                also scores each category (``categories`` key, :func:`score_by_category`).

        Raises:
            DataError: the examples use labels the model does not know.
        """
        examples = read_source(data, "test") if isinstance(data, str | os.PathLike) else data
        known = list(dict.fromkeys(self.labels + self.label_names))  # each name once
        check_labels(examples, known, "the evaluation data")
        probs = self.probabilities([e.text for e in examples], batch_size)
        gold_ids = [self.label_index(e.label) for e in examples]
        gold = [self.label_names[i] for i in gold_ids]
        predicted = [self.label_names[int(i)] for i in probs.argmax(axis=1)]
        report = classification_report(gold, predicted, labels=self.label_names)
        report["labels"] = list(self.label_names)
        # rows: gold label, columns: predicted label, in the order of "labels"
        report["confusion"] = confusion_matrix(gold, predicted, self.label_names).tolist()
        confidence, correct = confidence_and_correct(probs, gold_ids)
        report["calibration"] = {
            "ece": expected_calibration_error(confidence, correct),
            "bins": reliability_bins(confidence, correct),
        }
        if categories is not None:
            items = [
                CheckItem(e.text, g, c) for e, g, c in zip(examples, gold, categories, strict=True)
            ]
            report["categories"] = score_by_category(items, predicted)
        return report

    def add_words(self, vectors: WordVectors, limit: int | None = None) -> SentimentClassifier:
        """A copy that also reads the words of ``vectors`` it never saw in training (the
        first ``limit`` of them: the most frequent), each through its pretrained vector
        (:func:`~seqnlp.sentiment.added_words.add_words` says why that works).

        Raises:
            SeqnlpError: ``vectors`` are not of the classifier's ``word_dim``, or not the
                vectors it was trained from (their rows for the words both know disagree).
        """
        config, vocab, tensors = added_words.add_words(
            self.config, self.vocab, self.tensors, vectors, limit
        )
        return SentimentClassifier(
            config, vocab, self.labels, tensors, self.label_names, self.meta, self.ngrams
        )

    # ------------------------------------------------------------------ storage
    @deprecation.renamed_keywords(directory="path")
    def save(
        self, path: str | os.PathLike, *, overwrite: bool = False, dtype: str = "float32"
    ) -> Path:
        """Save as one model directory (safetensors + JSON, atomically, no pickle).

        Args:
            dtype: how the word embeddings (most of the file) are stored: ``float32``,
                ``float16`` or ``int8`` (one float32 scale per row, as the shipped vectors);
                the other weights are float16 unless ``dtype`` is float32. Prediction
                computes in float32 either way.
        """
        return serialization.save_model(
            path,
            kind=KIND,
            config=asdict(self.config),
            tensors=serialization.compact(self.tensors, dtype, rows=self._rows()),
            vocab={
                "words": self.vocab.to_dict(),
                "labels": self.labels,
                "label_names": self.label_names,
                "ngrams": self.ngrams,
            },
            meta={**self.meta, "dtype": dtype},
            overwrite=overwrite,
        )

    def stored(self, dtype: str) -> SentimentClassifier:
        """A copy with the weights as :meth:`save` stores them in ``dtype`` (what :meth:`load`
        gives back): training's finishing steps see the model as it will be saved."""
        tensors = serialization.compact(self.tensors, dtype, rows=self._rows())
        tensors = {
            k: np.asarray(v, dtype=np.float32)
            for k, v in serialization.dequantize_rows(tensors).items()
        }
        config, meta = replace(self.config), {**self.meta, "dtype": dtype}
        return SentimentClassifier(
            config, self.vocab, self.labels, tensors, self.label_names, meta, self.ngrams
        )

    def _rows(self) -> list[str]:
        """The embedding tables, stored as rows (int8 with one scale each, if asked)."""
        members = self.config.members
        tables = [member_prefix(m, members) + "embedding.weight" for m in range(members)]
        return [*tables, PRETRAINED]

    @classmethod
    @deprecation.renamed_keywords(directory="path")
    def load(cls, path: str | os.PathLike | None = None) -> SentimentClassifier:
        """Load a model directory (default: the classifier shipped with seqnlp).

        Raises:
            ModelFileError: missing, corrupted, of another kind (e.g. a tagger), or its
                tensors do not fit its config.
        """
        model = serialization.read_model(path, KIND)
        config = model.build_config(
            SentimentConfig, repeats=("layers", "members"), retired=RETIRED_FIELDS
        )
        vocab_data = model.vocab or {}
        if not isinstance(vocab_data.get("label_names", []), list | None):
            raise ModelFileError(f"{model.path}: vocab.json label_names must be a list")
        try:
            vocab = Vocab.from_dict(vocab_data["words"])
            labels = [str(label) for label in vocab_data["labels"]]
            names = [str(name) for name in vocab_data.get("label_names") or labels]
            ngrams = [str(gram) for gram in vocab_data.get("ngrams") or []]
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{model.path}: vocab.json lacks {exc}") from None
        classifier = cls(config, vocab, labels, {}, names, model.meta, ngrams)
        tensors = model.checked_tensors(expected_shapes(config))
        classifier.tensors = {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}
        return classifier

    def __repr__(self) -> str:
        c = self.config
        parts = f"{c.members} x " if c.members > 1 else ""
        ngrams = f" + {c.ngram_weight:g} n-grams" if c.ngram_weight else ""
        return (
            f"<SentimentClassifier {parts}{'bi' if c.bidirectional else 'uni'}-{c.cell} "
            f"{c.layers}x{c.hidden}, {c.pooling} pooling{ngrams}, labels {self.label_names}>"
        )


def _refuse_empty(texts: Sequence[str], first: int = 1) -> None:
    """A blank text has nothing to classify: refuse it rather than answer for no words."""
    for number, text in enumerate(texts, start=first):
        if not isinstance(text, str):
            raise TypeError(f"text {number} is a {type(text).__name__}, not a string")
        if not text.strip():
            raise DataError(f"text {number} is empty")


def pad(ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Word-id lists -> (batch, longest) int64 ids with 0 after each end, and lengths."""
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    words = np.zeros((len(ids), int(lengths.max()) if len(ids) else 0), dtype=np.int64)
    for row, x in enumerate(ids):
        words[row, : len(x)] = x
    return words, lengths
