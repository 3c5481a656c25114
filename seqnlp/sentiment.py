"""Sentence classification (SST-2 sentiment by default): data, the user-facing classifier.

Data flows one way: a file or a user's string -> :func:`to_example` (the one normaliser
for training files and raw text) -> token ids -> the network -> label probabilities.
Prediction runs the trained network in numpy (:mod:`seqnlp.inference`), so
``seqnlp sentiment "..."`` never imports torch; training imports it lazily.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seqnlp.corpus import LabeledText, read_sst, read_table
from seqnlp.errors import DataError, ModelFileError, SeqnlpError
from seqnlp.tokenize import normalize, sst_normalize, word_tokenize
from seqnlp.vocab import UNK_ID, Vocab

if TYPE_CHECKING:
    from seqnlp.training import TrainConfig, TrainResult

log = logging.getLogger("seqnlp")

KIND = "sentiment"
FORMATS = ("sst", "glue", "tsv", "csv")
CELLS = ("rnn", "lstm", "gru")
POOLINGS = ("last", "max", "mean", "attention")

# Longer texts are cut (with a warning): a review of 10,000 words is still classified,
# and one pathological line cannot make a batch's padded tensor huge.
MAX_TOKENS = 400

# The PTB escapes of SST's text, undone before tokenising so that a training file and a
# user's raw text reach the same tokens (and the embeddings, trained on raw text, know them).
_PTB_ESCAPES = {
    "-lrb-": "(",
    "-rrb-": ")",
    "-lsb-": "[",
    "-rsb-": "]",
    "-lcb-": "{",
    "-rcb-": "}",
    "``": '"',
    "''": '"',
    "\\/": "/",
    "\\*": "*",
}
_PTB_PATTERN = re.compile("|".join(re.escape(k) for k in _PTB_ESCAPES), re.IGNORECASE)


def to_example(text: str, max_tokens: int | None = MAX_TOKENS) -> list[str]:
    """The tokens the classifier sees for ``text``: SST's convention, from any text.

    SST is lower-cased and PTB-tokenised (``wo n't``, ``-lrb-``); a user types
    "It wasn't GOOD (really).". Both go through the same steps, so that training files and
    raw text can never disagree: undo PTB escapes (``-lrb-`` -> "("), then
    :func:`seqnlp.tokenize.normalize`, :func:`~seqnlp.tokenize.word_tokenize` and
    :func:`~seqnlp.tokenize.sst_normalize`, which maps the tokens back into SST's
    conventions. SST's own sentences come out as they went in (98 % exactly; the rest
    differ in details such as ``'70s``).

    Args:
        text: one sentence or review.
        max_tokens: keep only the first tokens (None keeps all).

    Returns:
        The tokens; empty when ``text`` holds none.
    """
    text = _PTB_PATTERN.sub(lambda m: _PTB_ESCAPES[m.group(0).lower()], text)
    tokens = sst_normalize(word_tokenize(normalize(text)))
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
    return tokens


# --------------------------------------------------------------------------- reading data


def guess_format(path: str | Path) -> str:
    """The reader for a file: .csv is csv, .tsv is tsv, anything else SST ``stsa`` lines."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() not in (".gz", ".xz", ".bz2")]
    suffix = suffixes[-1] if suffixes else ""
    return {".csv": "csv", ".tsv": "tsv"}.get(suffix, "sst")


def read_labeled(
    source: str | Path,
    split: str = "train",
    format: str | None = None,
    text_column: str = "sentence",
    label_column: str = "label",
    errors: str = "strict",
) -> list[LabeledText]:
    """Read a labelled file or a registered dataset split into memory.

    Args:
        source: a file, or a dataset name such as ``"sst2"`` (``split`` picks the file).
        split: the split of a dataset name (``train``, ``dev``, ``test``, ``phrases``).
        format: ``sst`` (``<label> <sentence>`` lines), ``glue`` (headed TSV with
            ``sentence`` and ``label`` columns), ``tsv`` or ``csv`` (headed, columns by
            name); None guesses from the dataset manifest or the file name.
        text_column, label_column: the columns of ``tsv``/``csv`` files.
        errors: ``"strict"`` fails on invalid UTF-8 naming the line; ``"replace"``.

    Raises:
        DataError: missing file, unknown format, malformed line (file:line), no examples.
    """
    from seqnlp import datasets

    path = datasets.resolve(source, split)
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{source} {split}: expected one file, found {len(path)}")
        path = path[0]
    if format is None:
        format = _manifest_format(source, split) or guess_format(path)
    if format not in FORMATS:
        raise DataError(f"format must be one of {FORMATS}, got {format!r}")
    if format == "sst":
        records = read_sst(path, errors=errors)
    elif format == "glue":
        records = read_table(path, "sentence", "label", delimiter="\t", errors=errors)
    else:
        delimiter = "\t" if format == "tsv" else ","
        records = read_table(path, text_column, label_column, delimiter=delimiter, errors=errors)
    examples = list(records)
    if not examples:
        raise DataError(f"{path}: no labelled examples")
    return examples


def _manifest_format(source: str | Path, split: str) -> str | None:
    """The format a dataset's manifest gives for ``split`` (GLUE TSVs are "glue")."""
    from seqnlp import datasets

    if Path(source).is_file() or str(source) not in datasets.list_datasets():
        return None
    for file in datasets.get_dataset(str(source)).select(split):
        if file.format in FORMATS:
            return file.format
        if file.format in ("tsv", "table", "glue_tsv"):
            return "glue"
    return None


def label_set(examples: Iterable[LabeledText], source: str = "training data") -> list[str]:
    """The sorted labels of training data (numerically when all are integers).

    Raises:
        DataError: fewer than two classes, because a classifier needs something to tell apart.
    """
    counts = Counter(e.label for e in examples)
    if len(counts) < 2:
        only = f" (only {next(iter(counts))!r})" if counts else ""
        raise DataError(
            f"{source} has {len(counts)} label{'s' * (len(counts) != 1)}{only}; "
            "a classifier needs at least two classes"
        )
    labels = list(counts)
    if all(_is_int(label) for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def check_labels(examples: Iterable[LabeledText], labels: Sequence[str], source: str) -> None:
    """Raise DataError when ``examples`` use labels the model does not have."""
    known = set(labels)
    unknown = Counter(e.label for e in examples if e.label not in known)
    if unknown:
        shown = ", ".join(f"{label!r} ({n}x)" for label, n in unknown.most_common(5))
        raise DataError(
            f"{source} has labels the model does not know: {shown}; "
            f"the model's labels are {', '.join(map(repr, labels))}"
        )


def iter_texts(lines: Iterable[str]) -> Iterator[str]:
    """Non-blank lines, without line ends (for streaming a file of texts)."""
    for line in lines:
        line = line.rstrip("\r\n")
        if line.strip():
            yield line


# --------------------------------------------------------------------------- the model


@dataclass
class SentimentConfig:
    """Everything that fixes the network's shape and the text's preparation.

    ``SentimentConfig(**json.load(f))`` rebuilds the network of a saved model exactly.

    Args:
        num_words: vocabulary size (ids 0 and 1 are padding and unknown).
        num_labels: classes.
        word_dim: embedding size (the pretrained vectors' size when they are used).
        hidden: recurrent units per direction.
        cell: one of :data:`CELLS`.
        layers: stacked recurrent layers.
        bidirectional: read left to right and right to left.
        pooling: how the states become one vector: ``last`` (final states), ``max``,
            ``mean`` or ``attention`` over time.
        dropout: before the output layer (and between stacked layers).
        embedding_dropout: on the word embeddings.
        word_dropout: during training, replace this fraction of words by the unknown word.
        freeze_embeddings: keep the pretrained vectors fixed.
        max_tokens: longer texts are cut here (with a warning).
        ngram_weight: the share of a TF-IDF 1-2-gram logistic regression
            (:class:`NgramModel`) in the predicted probabilities; 0 uses the network alone.
        num_ngrams: the n-gram model's features (set by training).
        members: networks trained with seeds ``seed``, ``seed + 1``...; their
            probabilities are averaged (an ensemble: steadier, and slower to predict).
    """

    num_words: int = 2
    num_labels: int = 2
    word_dim: int = 200
    hidden: int = 150
    cell: str = "gru"
    layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"
    dropout: float = 0.5
    embedding_dropout: float = 0.3
    word_dropout: float = 0.0
    freeze_embeddings: bool = False
    max_tokens: int = MAX_TOKENS
    ngram_weight: float = 0.0
    num_ngrams: int = 0
    members: int = 1

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise SeqnlpError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.pooling not in POOLINGS:
            raise SeqnlpError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        positive = ("num_words", "num_labels", "word_dim", "hidden", "layers", "max_tokens")
        for name in (*positive, "members"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise SeqnlpError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("dropout", "embedding_dropout", "word_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise SeqnlpError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not 0.0 <= self.ngram_weight < 1.0:
            raise SeqnlpError(f"ngram_weight must be in [0, 1), got {self.ngram_weight!r}")
        if not isinstance(self.num_ngrams, int) or self.num_ngrams < 0:
            raise SeqnlpError(f"num_ngrams must be a count, got {self.num_ngrams!r}")


@dataclass(frozen=True)
class Prediction:
    """The answer for one text: the best label, its probability, and every class's."""

    label: str
    probability: float
    probabilities: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "probability": self.probability,
            "probabilities": self.probabilities,
        }


class SentimentClassifier:
    """A trained sentence classifier: network weights, vocabulary, labels and config.

    Prediction runs in numpy (no torch import); :func:`train` builds one with PyTorch.

    Args:
        config: the network's shape.
        vocab: the word vocabulary.
        labels: the label of each output, as in the training data (e.g. "0", "1").
        tensors: weights named as in :class:`seqnlp.nn.SentimentNet`'s ``state_dict``
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

    # ------------------------------------------------------------------ prediction
    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` the model reads (cut to ``max_tokens``, with a warning)."""
        tokens = to_example(text, max_tokens=None)
        if len(tokens) > self.config.max_tokens:
            log.warning(
                "a text of %d tokens was cut to its first %d", len(tokens), self.config.max_tokens
            )
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
            )
        return self._ngram_model

    def probabilities(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """(len(texts), num_labels) class probabilities, in the order of ``self.labels``."""
        from seqnlp.inference import SentimentNumpy, softmax

        if self._numpy is None:
            self._numpy = [
                SentimentNumpy(self.config, member_tensors(self.tensors, m, self.config.members))
                for m in range(self.config.members)
            ]
        tokens = [self.tokens(text) for text in texts]
        ids = [self.vocab.encode(t) or [UNK_ID] for t in tokens]
        out = np.empty((len(ids), self.config.num_labels), dtype=np.float32)
        # similar lengths together: less padding, fewer wasted recurrent steps
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        with _one_blas_thread():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                words, lengths = pad([ids[i] for i in chunk])
                out[chunk] = np.mean([softmax(net(words, lengths)) for net in self._numpy], axis=0)
        weight = self.config.ngram_weight
        if weight and self.ngram_model is not None:
            out = (1 - weight) * out + weight * self.ngram_model.probabilities(tokens)
        return out

    def predict(self, texts: Sequence[str] | str, batch_size: int = 256) -> list[Prediction]:
        """Classify texts (raw or SST-tokenised) in batches.

        Returns:
            One :class:`Prediction` per text, in order.
        """
        if isinstance(texts, str):
            texts = [texts]
        probs = self.probabilities(list(texts), batch_size)
        best = probs.argmax(axis=1)
        return [
            Prediction(
                self.label_names[int(b)],
                float(p[b]),
                {name: float(q) for name, q in zip(self.label_names, p, strict=True)},
            )
            for b, p in zip(best, probs, strict=True)
        ]

    def predict_stream(
        self, texts: Iterable[str], batch_size: int = 256
    ) -> Iterator[tuple[str, Prediction]]:
        """Classify a stream (e.g. a file's lines) with constant memory, in order."""
        chunk: list[str] = []
        for text in texts:
            chunk.append(text)
            if len(chunk) >= batch_size * 8:
                yield from zip(chunk, self.predict(chunk, batch_size), strict=True)
                chunk = []
        if chunk:
            yield from zip(chunk, self.predict(chunk, batch_size), strict=True)

    def label_index(self, gold: str) -> int:
        """The output index of a gold label given as in the data or by its name."""
        if gold in self.labels:
            return self.labels.index(gold)
        return self.label_names.index(gold)

    def evaluate(self, examples: Sequence[LabeledText], batch_size: int = 256) -> dict:
        """Accuracy, per-class precision/recall/F1, macro F1 and the confusion matrix.

        Raises:
            DataError: the examples use labels the model does not know.
        """
        from seqnlp.evaluation import classification_report, confusion_matrix

        check_labels(examples, self.labels + self.label_names, "the evaluation data")
        probs = self.probabilities([e.text for e in examples], batch_size)
        gold = [self.label_names[self.label_index(e.label)] for e in examples]
        predicted = [self.label_names[int(i)] for i in probs.argmax(axis=1)]
        report = classification_report(gold, predicted, labels=self.label_names)
        report["labels"] = list(self.label_names)
        # rows: gold label, columns: predicted label, in the order of "labels"
        report["confusion"] = confusion_matrix(gold, predicted, self.label_names).tolist()
        return report

    # ------------------------------------------------------------------ storage
    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Tensor name -> shape implied by the config (what load checks)."""
        c = self.config
        gates = {"rnn": 1, "gru": 3, "lstm": 4}[c.cell]
        dirs = 2 if c.bidirectional else 1
        shapes: dict[str, tuple[int, ...]] = {}
        for m in range(c.members):
            prefix = member_prefix(m, c.members)
            shapes |= {prefix + k: v for k, v in self._network_shapes(gates, dirs).items()}
        if c.num_ngrams:
            shapes["ngrams.idf"] = (c.num_ngrams,)
            shapes["ngrams.coef"] = (c.num_labels, c.num_ngrams)
            shapes["ngrams.intercept"] = (c.num_labels,)
        return shapes

    def _network_shapes(self, gates: int, dirs: int) -> dict[str, tuple[int, ...]]:
        c = self.config
        shapes: dict[str, tuple[int, ...]] = {"embedding.weight": (c.num_words, c.word_dim)}
        for layer in range(c.layers):
            size = c.word_dim if layer == 0 else dirs * c.hidden
            for suffix in ("", "_reverse")[:dirs]:
                shapes[f"encoder.rnn.weight_ih_l{layer}{suffix}"] = (gates * c.hidden, size)
                shapes[f"encoder.rnn.weight_hh_l{layer}{suffix}"] = (gates * c.hidden, c.hidden)
                shapes[f"encoder.rnn.bias_ih_l{layer}{suffix}"] = (gates * c.hidden,)
                shapes[f"encoder.rnn.bias_hh_l{layer}{suffix}"] = (gates * c.hidden,)
        if c.pooling == "attention":
            shapes["attention.weight"] = (1, dirs * c.hidden)
            shapes["attention.bias"] = (1,)
        shapes["output.weight"] = (c.num_labels, dirs * c.hidden)
        shapes["output.bias"] = (c.num_labels,)
        return shapes

    def save(self, directory: str | Path, overwrite: bool = False, dtype: str = "float32") -> Path:
        """Save as one model directory (safetensors + JSON, atomically, no pickle).

        Args:
            dtype: how the word embeddings (most of the file) are stored: ``float32``,
                ``float16`` or ``int8`` (one float32 scale per row, as the shipped vectors);
                the other weights are float16 unless ``dtype`` is float32. Prediction
                computes in float32 either way.
        """
        from seqnlp import serialization

        serialization.check_storage_dtype(dtype)
        # the other weights: float32, or float16 when the embeddings are compressed too
        other = np.float32 if dtype == "float32" else np.float16
        tensors = {
            k: np.ascontiguousarray(v, dtype=other)
            for k, v in self.tensors.items()
            if not k.endswith("embedding.weight")
        }
        for m in range(self.config.members):
            name = member_prefix(m, self.config.members) + "embedding.weight"
            tensors.update(serialization.quantize_rows(name, self.tensors[name], dtype))
        return serialization.save_model(
            directory,
            kind=KIND,
            config=asdict(self.config),
            tensors=tensors,
            vocab={
                "words": self.vocab.to_dict(),
                "labels": self.labels,
                "label_names": self.label_names,
                "ngrams": self.ngrams,
            },
            meta={**self.meta, "dtype": dtype},
            overwrite=overwrite,
        )

    @classmethod
    def load(cls, directory: str | Path | None = None) -> SentimentClassifier:
        """Load a model directory (default: the classifier shipped with seqnlp).

        Raises:
            ModelFileError: missing, corrupted, of another kind (e.g. a tagger), or its
                tensors do not fit its config.
        """
        from seqnlp import serialization

        model = serialization.load_model(serialization.resolve_model(directory or KIND), KIND)
        config = serialization.config_from_dict(
            SentimentConfig, model.config, model.path / serialization.CONFIG_FILE
        )
        serialization.check_repeats(
            model.tensors, model.path, layers=config.layers, members=config.members
        )
        vocab_data = model.vocab or {}
        try:
            vocab = Vocab.from_dict(vocab_data["words"])
            labels = [str(label) for label in vocab_data["labels"]]
            names = [str(name) for name in vocab_data.get("label_names") or labels]
            ngrams = [str(gram) for gram in vocab_data.get("ngrams") or []]
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{model.path}: vocab.json lacks {exc}") from None
        classifier = cls(config, vocab, labels, {}, names, model.meta, ngrams)
        expected = classifier.expected_shapes()
        expected = serialization.expect_row_scales(expected, model.tensors)
        serialization.check_shapes(model.tensors, expected, source=model.path)
        tensors = serialization.dequantize_rows(model.tensors)
        classifier.tensors = {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}
        return classifier


# --------------------------------------------------------------------------- training


def train(
    train_examples: Sequence[LabeledText],
    dev_examples: Sequence[LabeledText],
    config: SentimentConfig | None = None,
    train_config: TrainConfig | None = None,
    *,
    embeddings: str | Path | None = "default",
    output: str | Path | None = None,
    overwrite: bool = False,
    resume: bool = False,
    label_names: Sequence[str] | None = None,
    min_count: int = 1,
    dtype: str = "float32",
    progress: bool = True,
    meta: dict | None = None,
    on_epoch: Callable[[dict], None] | None = None,
) -> tuple[SentimentClassifier, TrainResult | None]:
    """Train a classifier with the shared loop (:func:`seqnlp.training.fit`).

    Args:
        train_examples, dev_examples: labelled texts (raw or SST-tokenised); the dev set
            chooses the best epoch and must use only labels seen in training.
        config: the network (``num_words``, ``num_labels`` and, with pretrained vectors,
            ``word_dim`` are set from the data).
        train_config: epochs, batch size, learning rate, clipping, patience, seed, device.
        embeddings: a vectors directory, ``"default"`` (the vectors shipped with seqnlp)
            or None (random initialisation).
        output: the model directory; the best model so far is saved there after every
            improving epoch, and the checkpoint for ``resume`` beside it
            (``<output>.checkpoint/``). None keeps the model in memory only.
        overwrite: replace an existing model at ``output``.
        resume: continue from the checkpoint beside ``output``.
        label_names: what to call the labels in answers (in sorted-label order).
        min_count: words seen fewer times in training become the unknown word.
        dtype: how ``output`` stores the word embeddings (see :meth:`SentimentClassifier.save`).
        meta: extra entries for meta.json (e.g. the training data).
        on_epoch: called with each epoch's record (loss, dev accuracy, seconds...).

    With ``config.members`` > 1 the loop runs once per network (seeds ``seed``,
    ``seed + 1``...); with ``config.ngram_weight`` an :class:`NgramModel` is fitted first,
    and each network's best epoch is the one that works best together with it on dev.

    Returns:
        The classifier (each network at its best dev epoch) and the loop's
        :class:`~seqnlp.training.TrainResult` of the last network trained (None when a
        resumed run had nothing left to train); ``meta["runs"]`` describes every network.

    Raises:
        DataError: fewer than two classes, or dev labels never seen in training.
        ModelFileError: ``output`` exists and ``overwrite``/``resume`` is not given.
    """
    import torch

    from seqnlp import serialization
    from seqnlp.nn import SentimentNet
    from seqnlp.training import (
        CHECKPOINT_FILE,
        Batch,
        TrainConfig,
        fit,
        is_main_process,
        seed_everything,
    )

    config = config or SentimentConfig()
    train_config = train_config or TrainConfig()
    labels = label_set(train_examples)
    check_labels(dev_examples, labels, "the dev data")
    if label_names is not None and len(label_names) != len(labels):
        raise SeqnlpError(f"{len(label_names)} label names for the labels {labels}")
    if output is not None and is_main_process():
        serialization.recover_interrupted_save(output)
    if output is not None and Path(output).exists() and not (overwrite or resume):
        raise ModelFileError(f"{output} already exists; choose another name or overwrite it")
    label_ids = {label: i for i, label in enumerate(labels)}

    train_tokens = [to_example(e.text, config.max_tokens) for e in train_examples]
    empty = sum(1 for tokens in train_tokens if not tokens)
    if empty:
        log.warning("%d training texts have no tokens; they are skipped", empty)
    vocab = Vocab.build((t for tokens in train_tokens for t in tokens), min_count=min_count)
    matrix = None
    vectors_meta = None
    if embeddings is not None:
        from seqnlp.embeddings import WordVectors

        vectors = WordVectors.load(None if str(embeddings) == "default" else embeddings)
        trained_words = len(vocab) - 2
        coverage = sum(word in vectors for word in vocab.itos[2:]) / max(trained_words, 1)
        matrix, _ = vectors.embedding_matrix(vocab)
        config = SentimentConfig(**{**asdict(config), "word_dim": vectors.dim})
        vectors_meta = {"source": str(embeddings), "words": len(vectors), "coverage": coverage}
        log.info("pretrained vectors cover %.1f %% of %d words", 100 * coverage, trained_words)
    ngram_model = None
    if config.ngram_weight > 0:
        kept = [(t, label_ids[e.label]) for t, e in zip(train_tokens, train_examples, strict=True)]
        kept = [(t, y) for t, y in kept if t]
        ngram_model = NgramModel.fit([t for t, _ in kept], [y for _, y in kept], len(labels))
        log.info("n-gram model: %d features", len(ngram_model.ngrams))
    config = SentimentConfig(
        **{
            **asdict(config),
            "num_words": len(vocab),
            "num_labels": len(labels),
            "num_ngrams": len(ngram_model.ngrams) if ngram_model else 0,
        }
    )

    def examples(data, tokens_list):
        return [
            (vocab.encode(tokens), label_ids[e.label])
            for e, tokens in zip(data, tokens_list, strict=True)
            if tokens
        ]

    train_set = examples(train_examples, train_tokens)
    dev_tokens = [to_example(e.text, config.max_tokens) for e in dev_examples]
    dev_set = examples(dev_examples, dev_tokens)
    if not dev_set:
        raise DataError("the dev data has no text with tokens")
    # The best epoch is the one whose network works best together with the n-gram model.
    dev_ngram_probs = (
        torch.from_numpy(ngram_model.probabilities([t for t in dev_tokens if t]))
        if ngram_model
        else None
    )

    def collate(batch: list[tuple[list[int], int]]) -> Batch:
        words, lengths = pad([ids for ids, _ in batch])
        return Batch(
            inputs={"words": torch.from_numpy(words), "lengths": torch.from_numpy(lengths)},
            targets={"labels": torch.tensor([label for _, label in batch])},
            size=len(batch),
        )

    def evaluate(net, data) -> dict[str, float]:
        device = next(net.parameters()).device
        correct = 0
        for start in range(0, len(data), 512):
            batch = collate(list(data[start : start + 512])).to(device)
            probs = torch.softmax(net(**batch.inputs), dim=-1).cpu()
            if dev_ngram_probs is not None and data is dev_set:
                weight = config.ngram_weight
                probs = (1 - weight) * probs + weight * dev_ngram_probs[start : start + 512]
            correct += int((probs.argmax(dim=-1) == batch.targets["labels"].cpu()).sum())
        return {"accuracy": correct / len(data)}

    base_meta = {
        **(meta or {}),
        "train_examples": len(train_set),
        "dev_examples": len(dev_set),
        "embeddings": vectors_meta,
        "training": asdict(train_config),
    }
    finished: list[dict[str, np.ndarray]] = []  # the best weights of each finished network
    runs: list[dict] = []

    def to_classifier(current: dict[str, np.ndarray] | None, extra: dict) -> SentimentClassifier:
        """The finished networks (and ``current``) with the n-gram model, as one classifier."""
        nets = finished + ([current] if current is not None else [])
        tensors = {
            member_prefix(m, len(nets)) + k: v for m, net in enumerate(nets) for k, v in net.items()
        }
        ngrams = None
        if ngram_model is not None:
            tensors.update(ngram_model.tensors())
            ngrams = ngram_model.ngrams
        member_config = SentimentConfig(**{**asdict(config), "members": len(nets)})
        return SentimentClassifier(
            member_config, vocab, labels, tensors, label_names, base_meta | extra, ngrams
        )

    def numpy_state(net) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}

    def on_best(net, metrics: dict[str, float], epoch: int) -> None:
        if output is not None:
            best = to_classifier(numpy_state(net), {"dev": metrics, "runs": runs})
            best.save(output, overwrite=True, dtype=dtype)

    checkpoint_dir = Path(f"{output}.checkpoint") if output is not None else None
    result = None
    for member in range(config.members):
        # an ensemble's finished networks wait beside the checkpoint for a resumed run
        done = checkpoint_dir / f"member{member}.safetensors" if checkpoint_dir else None
        if resume and done is not None and done.is_file():
            finished.append(serialization.load_tensors(done))
            runs.append({"member": member, "resumed": True})
            continue
        member_dir = checkpoint_dir
        if checkpoint_dir is not None and config.members > 1:
            member_dir = checkpoint_dir / f"member{member}"
        seed = train_config.seed + member
        seed_everything(seed)
        network = SentimentNet(config)
        if matrix is not None:
            with torch.no_grad():
                network.embedding.weight.copy_(torch.from_numpy(matrix))
        if config.members > 1:
            log.info("network %d of %d (seed %d)", member + 1, config.members, seed)
        result = fit(
            network,
            train_set,
            dev_set,
            collate=collate,
            evaluate=evaluate,
            metric="accuracy",
            config=dataclasses.replace(train_config, seed=seed),
            length=lambda example: len(example[0]),
            checkpoint_dir=member_dir,
            resume=resume and member_dir is not None and (member_dir / CHECKPOINT_FILE).is_file(),
            on_best=on_best,
            on_epoch=on_epoch,
            progress=progress,
        )
        finished.append(numpy_state(network))
        runs.append(
            {
                "member": member,
                "seed": seed,
                "dev_accuracy": result.best_metric,
                "best_epoch": result.best_epoch,
                "epochs": result.epochs,
                "stopped_early": result.stopped_early,
                "train_seconds": round(result.seconds, 1),
                "history": result.history,
            }
        )
        if done is not None and config.members > 1 and is_main_process():
            done.parent.mkdir(parents=True, exist_ok=True)
            serialization.recover_interrupted_save(done)  # a write cut by a kill
            serialization.save_tensors_atomic(done, finished[-1])
    train_seconds = sum(run.get("train_seconds", 0) for run in runs)
    classifier = to_classifier(None, {"runs": runs, "train_seconds": train_seconds})
    if output is not None and is_main_process():  # in a torchrun job the other ranks only read
        classifier.save(output, overwrite=True, dtype=dtype)
        if checkpoint_dir is not None:
            _remove_checkpoint(checkpoint_dir, config.members)
    return classifier, result


def _remove_checkpoint(checkpoint_dir: Path, members: int) -> None:
    """Remove a finished run's checkpoint directory (only the files training wrote)."""
    from seqnlp import serialization
    from seqnlp.training import CHECKPOINT_FILE

    directories = [checkpoint_dir]
    if members > 1:
        directories = [checkpoint_dir / f"member{m}" for m in range(members)] + directories
    for member in range(members):
        done = checkpoint_dir / f"member{member}.safetensors"
        serialization.recover_interrupted_save(done)
        done.unlink(missing_ok=True)
    for directory in directories:
        (directory / CHECKPOINT_FILE).unlink(missing_ok=True)
        try:
            directory.rmdir()
        except OSError:
            pass  # missing, or something else lives there: leave it


# --------------------------------------------------------------------------- n-grams


class NgramModel:
    """TF-IDF over word 1-2-grams + logistic regression, the classic sentence classifier.

    scikit-learn fits it (:meth:`fit`); prediction runs on the stored vocabulary, idf and
    weights in numpy, so that a classifier that averages it with the recurrent network
    (``SentimentConfig.ngram_weight``) still predicts without scikit-learn or torch.
    It reads the tokens of :func:`to_example`, as the network does.

    Args:
        ngrams: the feature n-grams ("good", "not good"), in column order.
        idf: (features,) inverse document frequencies.
        coef: (labels, features) weights; intercept: (labels,) biases.
    """

    def __init__(
        self, ngrams: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray
    ) -> None:
        self.ngrams = list(ngrams)
        self.index = {g: i for i, g in enumerate(self.ngrams)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)

    @classmethod
    def fit(
        cls,
        token_lists: Sequence[Sequence[str]],
        label_ids: Sequence[int],
        num_labels: int,
        c: float = 3.0,
        min_df: int = 2,
    ) -> NgramModel:
        """Fit with scikit-learn (``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)``
        and ``LogisticRegression(C=c)``) on tokenised texts and label ids 0..num_labels-1."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            min_df=min_df,
        )
        matrix = vectorizer.fit_transform([" ".join(tokens) for tokens in token_lists])
        model = LogisticRegression(C=c, max_iter=2000).fit(matrix, list(label_ids))
        if list(model.classes_) != list(range(num_labels)):
            raise SeqnlpError(f"every label needs training examples, got {model.classes_}")
        coef, intercept = model.coef_, model.intercept_
        if num_labels == 2:  # one weight vector for p(label 1): as logits [0, z]
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.array([0.0, intercept[0]])
        ngrams = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        return cls(ngrams, vectorizer.idf_, coef, intercept)

    def scores(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        """(texts, labels) logits; a text without known n-grams gets the intercept.

        All texts at once: (text, column) pairs -> sublinear tf * idf -> l2 norm per text ->
        weighted sums per label with ``np.bincount``, as scikit-learn's sparse product.
        """
        index = self.index
        rows: list[int] = []
        columns: list[int] = []
        count = 0
        for row, tokens in enumerate(token_lists):
            count += 1
            grams = [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))]
            found = [index[g] for g in grams if g in index]
            rows.extend([row] * len(found))
            columns.extend(found)
        out = np.tile(self.intercept, (count, 1))
        if not columns:
            return out
        features = len(self.ngrams)
        pairs, tf = np.unique(
            np.asarray(rows, dtype=np.int64) * features + np.asarray(columns), return_counts=True
        )
        row, column = pairs // features, pairs % features
        x = (1.0 + np.log(tf)) * self.idf[column]
        x /= np.sqrt(np.bincount(row, weights=x * x, minlength=count))[row]
        for label in range(len(self.intercept)):
            out[:, label] += np.bincount(row, weights=x * self.coef[label, column], minlength=count)
        return out

    def probabilities(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        from seqnlp.inference import softmax

        return softmax(self.scores(token_lists))

    def tensors(self) -> dict[str, np.ndarray]:
        return {
            "ngrams.idf": self.idf,
            "ngrams.coef": self.coef,
            "ngrams.intercept": self.intercept,
        }


def member_prefix(member: int, members: int) -> str:
    """Tensor-name prefix of one network of an ensemble ("" for a single network)."""
    return f"member{member}." if members > 1 else ""


def member_tensors(tensors: dict[str, np.ndarray], member: int, members: int) -> dict:
    """One network's tensors, named as in :class:`seqnlp.nn.SentimentNet`'s state_dict."""
    prefix = member_prefix(member, members)
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def _one_blas_thread():
    """Run numpy's matrix products on one thread.

    The products here are small (a batch of 256 by a few hundred units); a second BLAS
    thread buys little on an idle machine and, on a busy 2-core one, made prediction
    5x slower (OpenBLAS threads spin waiting for a core). threadpoolctl comes with
    scikit-learn; without it nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def pad(ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Word-id lists -> (batch, longest) int64 ids with 0 after each end, and lengths."""
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    words = np.zeros((len(ids), int(lengths.max()) if len(ids) else 0), dtype=np.int64)
    for row, x in enumerate(ids):
        words[row, : len(x)] = x
    return words, lengths


__all__ = [
    "CELLS",
    "FORMATS",
    "KIND",
    "POOLINGS",
    "Prediction",
    "SentimentClassifier",
    "SentimentConfig",
    "NgramModel",
    "check_labels",
    "guess_format",
    "label_set",
    "pad",
    "read_labeled",
    "to_example",
    "train",
]
