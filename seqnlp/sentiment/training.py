"""Training a classifier: labelled sources merged, vocabulary, pretrained vectors, the n-gram
part, the task's hooks for the shared driver (:mod:`seqnlp.training.driver`), and the final
scores on dev and test recorded in the saved model."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from seqnlp import deprecation
from seqnlp.corpus import LabeledText
from seqnlp.errors import DataError, SeqnlpError
from seqnlp.sentiment.config import member_prefix
from seqnlp.sentiment.data import (
    check_labels,
    label_set,
    read_examples,
    specs_of,
    split_source,
    to_example,
)
from seqnlp.sentiment.model import SentimentClassifier, pad
from seqnlp.sentiment.ngrams import NgramModel
from seqnlp.sentiment.recipe import RECIPE, SST2_NAMES, SentimentRecipe
from seqnlp.training.config import TrainResult, run_record
from seqnlp.vocab import Vocab

log = logging.getLogger("seqnlp")


# the strings that asked for "the recipe's value with the recipe's data" before a recipe was a
# value (until seqnlp 0.2): each now means leaving the field out
_PLACEHOLDERS = {"augmentation": "recipe", "ngram_weights": "recipe", "test": "auto"}


@deprecation.positional_changes(SentimentRecipe, ("train", "dev", "config", "train_config"))
def train(
    recipe: SentimentRecipe = RECIPE,
    *,
    output: str | os.PathLike | None = None,
    label_names: Sequence[str] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    keep_checkpoint: bool = False,
    progress: bool = True,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    format: str | None = None,
    text_column: str = "sentence",
    label_column: str = "label",
    errors: str = "strict",
    **changes: Any,
) -> tuple[SentimentClassifier, TrainResult | None]:
    """Train a sentence classifier as ``recipe`` says; with no arguments but ``output``, the
    recipe of the shipped sentiment model (:data:`seqnlp.sentiment.recipe.RECIPE`).

    Args:
        recipe: the data, network and training settings (:class:`SentimentRecipe`).
        changes: fields of ``recipe`` to change (:meth:`SentimentRecipe.changed`), e.g.
            ``train="reviews.tsv", config=SentimentConfig(cell="lstm")``. Training data
            other than the recipe's takes the recipe's network, vectors and schedule but
            none of what was tuned on its data (:meth:`SentimentRecipe.for_data`: no dev set
            but 10 % of ``train`` held out, SST-2 test when training on SST-2 alone, no
            sampling, augmentation or n-gram share search). The fields:

            - ``train``: labelled texts, or one or more files / dataset specs
              (``sst2:phrases``); a text repeated across sources is kept once.
            - ``dev``: the same kinds; it picks the best epoch and must use labels seen in
              training. None: a seeded 10 % of ``train`` held out.
            - ``config``: the network (``num_words``, ``num_labels`` and, with pretrained
              vectors, ``word_dim`` are set from the data); ``train_config``: epochs, batch
              size, learning rate...
            - ``test``: scored once at the end and recorded in ``meta.json``; None: none.
            - ``embeddings``: a vectors directory or file, ``"default"`` (the vectors
              shipped with seqnlp), an :class:`~seqnlp.embeddings.recipe.EmbeddingsRecipe`
              (vectors trained once into the cache, as the general recipe's) or None
              (random initialisation).
            - ``min_count``: words seen fewer times in training become the unknown word;
              ``max_words``: keep at most this many words (the most frequent), None: all.
            - ``labels``: train, pick epochs and test on texts with these labels only, e.g.
              ``("negative", "positive")`` from three-class sources; None keeps all.
            - ``sample``: at most this many texts of a source spec (seeded), e.g.
              ``{"yelp:train": 60000}``, for the networks, so that one large source does
              not drown the rest; the vocabulary and the n-gram model read every text.
            - ``max_ngrams``: the n-gram model keeps this many 1-2-grams (the most frequent).
            - ``dtype``: how ``output`` stores the word embeddings
              (see :meth:`SentimentClassifier.save`).
            - ``augmentation``: negation and contrast examples built from the training data
              by templates (:class:`~seqnlp.sentiment.augment.Augmentation`), or None.
            - ``ngram_weights``: when given, epochs are chosen on the networks alone and the
              n-gram model's share is then the one of these that scores best on dev (ties:
              the lower dev log loss), instead of the fixed ``config.ngram_weight``.
            - ``pretrained_words``: after training, add this many words of ``embeddings``
              that the training data lacks (the most frequent first), each read through its
              vector (:meth:`SentimentClassifier.add_words`); None or 0 adds none.
        output: the model directory; the best model so far is saved there after every
            improving epoch, and the checkpoint for ``resume`` beside it
            (``<output>.checkpoint/``). None keeps the model in memory only.
        label_names: what to call the labels in answers (in sorted-label order); default
            ``negative, positive`` for SST-2's 0/1, else the labels themselves.
        resume, overwrite, keep_checkpoint, progress, on_epoch: as for the tagger's ``train``.
        format, text_column, label_column, errors: how files are read (:func:`read_labeled`).

    With ``config.members`` > 1 the loop runs once per network (seeds ``seed``,
    ``seed + 1``...); with ``config.ngram_weight`` an :class:`NgramModel` is fitted first,
    and each network's best epoch is the one that works best together with it on dev.

    Returns:
        The classifier (as saved in ``output``) and the loop's
        :class:`~seqnlp.training.config.TrainResult` of the last network trained (None when
        a resumed run had nothing left to train); ``meta["runs"]`` describes every network.

    Raises:
        DataError: fewer than two classes, or dev labels never seen in training.
        ModelFileError: ``output`` exists and ``overwrite``/``resume`` is not given.
        TypeError: a change that names no field of the recipe.
    """
    import torch

    from seqnlp.sentiment.network import SentimentNet
    from seqnlp.training.distributed import is_main_process
    from seqnlp.training.driver import (
        Plan,
        architecture_of,
        hold_out_dev,
        prepare_output,
        train_members,
    )
    from seqnlp.training.loop import Batch

    for name, placeholder in _PLACEHOLDERS.items():
        if isinstance(changes.get(name), str) and changes[name] == placeholder:
            # the caller is past train and its positional_changes wrapper
            deprecation.warn(f"train({name}={placeholder!r})", f"no {name}=", stacklevel=4)
            del changes[name]
    run = recipe.changed(**changes)
    # a recipe run on its own data keeps its schedule (for_data settled other data's)
    run = replace(run, train_config=run.train_config.for_data(True))
    train, dev, config, train_config = run.train, run.dev, run.config, run.train_config
    test, embeddings, labels, sample = run.test, run.embeddings, run.labels, run.sample
    dtype, augmentation, ngram_weights = run.dtype, run.augmentation, run.ngram_weights
    specs = specs_of(train) or []
    sst2 = bool(specs) and all(str(split_source(s, "train")[0]) == "sst2" for s in specs)
    options: dict[str, Any] = {
        "labels": labels,
        "sample": sample,
        "seed": train_config.seed,
        "format": format,
        "text_column": text_column,
        "label_column": label_column,
        "errors": errors,
    }
    output = prepare_output(output, dtype=dtype, overwrite=overwrite, resume=resume)
    # a resumed run goes on with the vocabularies it saved, whatever the corpus holds now
    saved = SentimentClassifier.load(output) if resume else None
    train_examples, train_record = read_examples(train, "train", merge=True, **options)
    # the n-gram model and the vocabulary read every text; the networks the sample
    every_example = (
        read_examples(train, "train", merge=True, **{**options, "sample": None})[0]
        if sample
        else train_examples
    )
    if dev is None:
        train_examples, dev_examples, held = hold_out_dev(
            train_examples, train_config.seed, "texts"
        )
        dev_record = [held]
    else:
        dev_examples, dev_record = read_examples(dev, "dev", **options)
    test_examples = None if test is None else read_examples(test, "test", **options)[0]
    if augmentation is not None:
        extra = augmentation.examples(train_examples)
        train_record.append({"source": "augmentation", "examples": len(extra)})
        log.info("%d negation and contrast examples added to the training data", len(extra))
        train_examples = train_examples + extra
        every_example = every_example + extra
    if saved is None:
        labels = label_set(train_examples)
    else:
        labels, label_names = saved.labels, label_names or saved.label_names
        check_labels(train_examples, labels, "the training data")
    check_labels(dev_examples, labels, "the dev data")
    if label_names is None and sst2 and labels == ["0", "1"]:
        label_names = list(SST2_NAMES)
    if label_names is not None and len(label_names) != len(labels):
        raise SeqnlpError(f"{len(label_names)} label names for the labels {labels}")
    label_ids = {label: i for i, label in enumerate(labels)}

    train_tokens = [to_example(e.text, config.max_tokens) for e in train_examples]
    empty = sum(1 for tokens in train_tokens if not tokens)
    if empty:
        log.warning("%d training texts have no tokens; they are skipped", empty)
    every_tokens = (
        [to_example(e.text, config.max_tokens) for e in every_example]
        if every_example is not train_examples
        else train_tokens
    )
    if saved is None:
        words = (t for tokens in every_tokens for t in tokens)
        vocab = Vocab.build(words, min_count=run.min_count, max_size=run.max_words)
    else:  # the words it trained on, without any added after training
        vocab = Vocab(saved.vocab.itos[2 : saved.config.num_words - saved.config.num_pretrained])
    matrix = None
    vectors = vectors_meta = None
    if embeddings is not None:
        from seqnlp.embeddings.recipe import pretrained_vectors

        vectors, source = pretrained_vectors(embeddings, progress)
        trained_words = len(vocab) - 2
        coverage = sum(word in vectors for word in vocab.itos[2:]) / max(trained_words, 1)
        matrix, _ = vectors.embedding_matrix(vocab)
        config = replace(config, word_dim=vectors.dim)
        vectors_meta = {"source": source, "words": len(vectors), "coverage": coverage}
        log.info("pretrained vectors cover %.1f %% of %d words", 100 * coverage, trained_words)
    with_ngrams = config.ngram_weight > 0 or bool(ngram_weights)
    # a resumed run's n-gram model is the saved one: its n-grams are a vocabulary too
    ngram_model = saved.ngram_model if saved is not None and with_ngrams else None
    if ngram_model is None and with_ngrams:
        kept = [(t, label_ids[e.label]) for t, e in zip(every_tokens, every_example, strict=True)]
        kept = [(t, y) for t, y in kept if t]
        ngram_model = NgramModel.fit(
            [t for t, _ in kept],
            [y for _, y in kept],
            len(labels),
            max_features=run.max_ngrams,
            negation=config.ngram_negation,
        )
        log.info("n-gram model: %d features", len(ngram_model.ngrams))
    config = replace(
        config,
        num_words=len(vocab),
        num_labels=len(labels),
        num_ngrams=len(ngram_model.ngrams) if ngram_model else 0,
    )

    def examples(data: Sequence[LabeledText], tokens_list: list[list[str]]) -> list[Any]:
        """(ids, label id) of each text with tokens."""
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

    def network(member: int) -> SentimentNet:
        net = SentimentNet(config)
        if matrix is not None:
            with torch.no_grad():
                net.embedding.weight.copy_(torch.from_numpy(matrix))
        return net

    def collate(batch: list[tuple[list[int], int]]) -> Batch:
        words, lengths = pad([ids for ids, _ in batch])
        return Batch(
            inputs={"words": torch.from_numpy(words), "lengths": torch.from_numpy(lengths)},
            targets={"labels": torch.from_numpy(np.array([label for _, label in batch]))},
            size=len(batch),
        )

    def evaluate(net: Any, data: Sequence[Any]) -> dict[str, float]:
        device = next(net.parameters()).device
        correct = 0
        for start in range(0, len(data), 512):
            batch = collate(list(data[start : start + 512])).to(device)
            probs = torch.softmax(net(**batch.inputs), dim=-1).cpu()
            if dev_ngram_probs is not None and data is dev_set and not ngram_weights:
                weight = config.ngram_weight
                probs = (1 - weight) * probs + weight * dev_ngram_probs[start : start + 512]
            correct += int((probs.argmax(dim=-1) == batch.targets["labels"].cpu()).sum())
        return {"accuracy": correct / len(data)}

    def model(states: list[dict[str, np.ndarray]], meta: dict[str, Any]) -> SentimentClassifier:
        """The networks trained so far (and the n-gram model) as one classifier."""
        members = len(states)
        tensors = {
            member_prefix(m, members) + k: v for m, net in enumerate(states) for k, v in net.items()
        }
        ngrams = None
        if ngram_model is not None:
            tensors.update(ngram_model.tensors())
            ngrams = ngram_model.ngrams
        shape = replace(config, members=members)
        return SentimentClassifier(shape, vocab, labels, tensors, label_names, meta, ngrams)

    finish: list[Callable[[SentimentClassifier], SentimentClassifier]] = []
    if output is not None:  # the finishing steps see the weights as output will store them
        finish.append(lambda classifier: classifier.stored(dtype))
    if run.pretrained_words and vectors is not None:
        finish.append(partial(_add_pretrained_words, vectors=vectors, limit=run.pretrained_words))
    if ngram_weights and ngram_model is not None:
        finish.append(partial(_choose_ngram_weight, dev=dev_examples, weights=ngram_weights))
    if output is not None and is_main_process():
        sources = {
            "dev": run_record(s=dev)["s"] if dev is not None else dev_record[0],
            "test": test,
        }
        scored = {"dev": dev_examples, "test": test_examples}
        finish.append(partial(_score, sources=sources, data=scored))
    plan = Plan(
        train=train_set,
        dev=dev_set,
        network=network,
        collate=collate,
        evaluate=evaluate,
        model=model,
        length=lambda example: len(example[0]),
        members=config.members,
        meta={
            "train": train_record,
            "dev": dev_record,
            "train_examples": len(train_set),
            "dev_examples": len(dev_set),
            "embeddings": vectors_meta,
            "recipe": run.record(),
        },
        architecture=architecture_of(config, ignore=("members", "ngram_weight")),
        finish=finish,
    )
    return train_members(
        plan,
        output=output,
        train_config=train_config,
        dtype=dtype,
        resume=resume,
        keep_checkpoint=keep_checkpoint,
        progress=progress,
        on_epoch=on_epoch,
    )


def _add_pretrained_words(
    classifier: SentimentClassifier, vectors: Any, limit: int
) -> SentimentClassifier:
    """The classifier with ``limit`` words of ``vectors`` it never saw added, as many as
    the vectors allow: a run whose rows moved too far keeps its words, with a warning."""
    try:
        classifier = classifier.add_words(vectors, limit)
    except SeqnlpError as exc:  # training moved the rows far: keep the run, say why
        log.warning("no words of the vectors added: %s", exc)
    classifier.meta["pretrained_words"] = classifier.config.num_pretrained
    log.info("%d words of the vectors added after training", classifier.config.num_pretrained)
    return classifier


def _score(
    classifier: SentimentClassifier,
    sources: dict[str, Any],
    data: dict[str, Sequence[LabeledText] | None],
) -> SentimentClassifier:
    """Record the accuracy of the finished model on each of ``data`` (dev, test) and where
    those texts came from, in ``meta.json``."""
    for name, examples in data.items():
        if examples is not None:
            accuracy = classifier.evaluate(examples)["accuracy"]
            classifier.meta[name] = {
                "source": run_record(s=sources[name])["s"],
                "accuracy": accuracy,
            }
    return classifier


def _choose_ngram_weight(
    classifier: SentimentClassifier, dev: Sequence[LabeledText], weights: Sequence[float]
) -> SentimentClassifier:
    """Set the n-gram model's share to the one of ``weights`` that scores best on ``dev``:
    the best accuracy, and of shares that tie on it (872 SST-2 dev sentences tie often),
    the lowest log loss, which also rewards the better-calibrated mix."""
    texts = [e.text for e in dev]
    gold = np.array([classifier.label_index(e.label) for e in dev])
    classifier.config.ngram_weight = 0.0
    networks = classifier.probabilities(texts)
    tokens = [classifier.tokens(text) for text in texts]
    ngrams = classifier.ngram_model.probabilities(tokens)
    accuracy, log_loss = {}, {}
    for w in sorted(weights):
        mixed = (1 - w) * networks + w * ngrams
        accuracy[float(w)] = float((mixed.argmax(axis=1) == gold).mean())
        log_loss[float(w)] = float(-np.log(mixed[np.arange(len(gold)), gold] + 1e-12).mean())
    best = max(accuracy, key=lambda w: (accuracy[w], -log_loss[w]))
    classifier.config.ngram_weight = best
    classifier.meta["ngram_weight_chosen"] = {
        "weight": best,
        "dev_accuracy": accuracy,
        "dev_log_loss": log_loss,
    }
    log.info("n-gram share %.2f chosen on dev (dev accuracy by share: %s)", best, accuracy)
    return classifier


__all__ = ["read_examples", "train"]
