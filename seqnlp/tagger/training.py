"""Training a tagger: CoNLL-U data, vocabularies, pretrained vectors, the task's hooks for
the shared driver (:mod:`seqnlp.training.driver`), and the shipped recipe as defaults."""

from __future__ import annotations

import dataclasses
import logging
import os
import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seqnlp import deprecation
from seqnlp.corpus import TaggedSentence, read_conllu
from seqnlp.embeddings.arithmetic import pca
from seqnlp.errors import DataError, SeqnlpError
from seqnlp.tagger.encoding import TokenEncoder, build_vocabs, tag_pairs
from seqnlp.tagger.evaluation import tag_accuracies
from seqnlp.tagger.model import Tagger
from seqnlp.tagger.recipe import RECIPE, TaggerRecipe
from seqnlp.tokenize import normalize_token
from seqnlp.training.config import TrainResult
from seqnlp.vocab import PAD_ID, Vocab

log = logging.getLogger("seqnlp")


def read_tagged(
    source: str | os.PathLike | Sequence[TaggedSentence], split: str
) -> tuple[list[TaggedSentence], dict[str, Any]]:
    """Tagged sentences from a dataset name (its ``split``), a CoNLL-U file, or in memory,
    with what ``meta.json`` records of them (a name, the file and its sha256).

    Raises:
        DataError: missing or malformed file, several files for the split, no sentences.
    """
    if not isinstance(source, str | os.PathLike):
        sentences = list(source)
        if not sentences:
            raise DataError(f"no {split} sentences")
        return sentences, {"dataset": None, "file": None, "sentences": len(sentences)}
    from seqnlp.datasets import resolve, sha256  # the registry costs a few imports: on use

    path = resolve(source, split)
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{source}: {split} has {len(path)} files; pass one file")
        path = path[0]
    path = Path(path)
    sentences = list(read_conllu(path))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    named = str(source) if not Path(source).exists() else None
    record = {"dataset": named, "file": path.name, "sha256": sha256(path)}
    return sentences, {**record, "sentences": len(sentences)}


# word2vec's raw vectors are far larger (about 1.8 for the shipped ones): fed as they are,
# they drown the character features (tanh, within [-1, 1]) and saturate the LSTM gates.
EMBEDDING_STD = 0.5


def _embedding_init(vectors: Any, vocab: Vocab, dim: int) -> tuple[np.ndarray, float]:
    """Rows for the word embedding from pretrained vectors, PCA-reduced to ``dim`` and
    scaled to :data:`EMBEDDING_STD`; returns them and the share of words found."""
    matrix, coverage = vectors.embedding_matrix(vocab)
    if dim > matrix.shape[1]:
        raise SeqnlpError(f"word_dim {dim} is larger than the vectors' {matrix.shape[1]}")
    if dim < matrix.shape[1]:
        # Keep the directions of largest variance: most of what the tagger can use, in a
        # smaller model (the shipped tagger's size is mostly this matrix).
        known = matrix[2:]
        if len(known) < dim:  # PCA finds at most as many directions as it has rows
            raise SeqnlpError(
                f"a vocabulary of {len(known)} words is too small to reduce the vectors to "
                f"word_dim {dim}: allow more words (max_words) or lower word_dim"
            )
        matrix = pca(matrix, dim, fit=known)
    matrix = matrix * (EMBEDDING_STD / max(float(matrix[2:].std()), 1e-12))
    matrix[PAD_ID] = 0.0
    return matrix.astype(np.float32), coverage


@deprecation.positional_changes(TaggerRecipe, ("train", "dev", "config", "train_config"))
def train(
    recipe: TaggerRecipe = RECIPE,
    *,
    output: str | os.PathLike | None = None,
    resume: bool = False,
    overwrite: bool = False,
    keep_checkpoint: bool = False,
    progress: bool = True,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    **changes: Any,
) -> tuple[Tagger, TrainResult]:
    """Train a tagger on CoNLL-U data as ``recipe`` says, keeping the best epoch on dev; with
    no arguments but ``output``, the recipe of the shipped tagger
    (:data:`seqnlp.tagger.recipe.RECIPE`).

    Args:
        recipe: the data, network and training settings (:class:`TaggerRecipe`).
        changes: fields of ``recipe`` to change (:meth:`TaggerRecipe.changed`), e.g.
            ``train="my.conllu", embeddings=None``; training data other than the recipe's
            has no dev set unless given (:meth:`TaggerRecipe.for_data`). The fields:

            - ``train``, ``dev``: dataset names (their train/dev split), CoNLL-U files, or
              sentences; ``dev`` None holds a seeded 10 % of ``train`` out.
            - ``config``: the network (vocabulary sizes are filled in); ``train_config``:
              epochs, batch size, learning rate...
            - ``embeddings``: pretrained word vectors: ``"default"`` (shipped), a vectors
              directory or file, an :class:`~seqnlp.embeddings.recipe.EmbeddingsRecipe`
              (trained once into the cache), or None for randomly initialised word embeddings.
            - ``max_words``: word vocabulary size, which dominates the model's size.
            - ``silver``, ``silver_sentences``: uptraining: a CoNLL-U file of raw text
              tagged by stronger taggers (:func:`seqnlp.tagger.silver.write_silver`), or a
              sample of ``silver_sentences`` of its sentences (seeded by the training seed;
              None: all), learnt from beside ``train``.
            - ``dtype``: weights on disk: ``int8`` (word embedding rows) + float16,
              ``float16`` or ``float32``.
        output: model directory; the best model so far is saved there after every epoch that
            improves on dev, so an interrupted run still leaves a usable tagger. None keeps
            the tagger in memory only.
        resume: continue from ``<output>.checkpoint``; the network and vocabularies come from
            the model saved in ``output``, not from ``config``.
        overwrite: replace an existing ``output``.
        keep_checkpoint: keep ``<output>.checkpoint`` after training finishes.
        progress: tqdm bars per epoch.
        on_epoch: called with every epoch's record (loss, dev accuracies, seconds).

    Returns:
        The best tagger (as saved in ``output``) and the :class:`TrainResult`.

    Raises:
        TypeError: a change that names no field of the recipe.
    """
    import torch

    from seqnlp.layers.torch_layers import IGNORE_INDEX
    from seqnlp.tagger.network import TaggerNet
    from seqnlp.training.checkpoints import state_arrays
    from seqnlp.training.driver import (
        Plan,
        architecture_of,
        check_architecture,
        has_checkpoint,
        hold_out_dev,
        prepare_output,
        train_members,
    )
    from seqnlp.training.loop import Batch

    run = recipe.changed(**changes)
    if run.silver is None and run.silver_sentences is not None:
        raise SeqnlpError("silver_sentences (--silver-sentences) samples silver data: give silver")
    train, dev, train_config, dtype = run.train, run.dev, run.train_config, run.dtype
    # what a resumed run must share with the saved one; a call that names no network
    # resumes the saved one, whatever it is
    asked = "config" in changes or recipe is not RECIPE
    architecture = architecture_of(run.config) if asked else {}
    output = prepare_output(output, dtype=dtype, overwrite=overwrite, resume=resume)
    train_sents, train_record = read_tagged(train, "train")
    if dev is None:
        train_sents, dev_sents, dev_record = hold_out_dev(
            train_sents, train_config.seed, "sentences"
        )
    else:
        dev_sents, dev_record = read_tagged(dev, "dev")
    meta: dict[str, Any] = {"data": {"train": train_record, "dev": dev_record}}
    gold_sents = train_sents  # the tag sets and the (UPOS, XPOS) pairs come from gold data
    if run.silver is not None:
        silver_sents, silver_record = read_tagged(run.silver, "silver")
        if run.silver_sentences is not None:
            # a seeded sample, not the file's head: write_silver writes source after source
            random.Random(train_config.seed).shuffle(silver_sents)
            silver_sents = silver_sents[: run.silver_sentences]
        meta["data"]["silver"] = {**silver_record, "sentences": len(silver_sents)}
        train_sents = train_sents + silver_sents
    init = init_state = None
    if resume:
        saved = Tagger.load(output)
        config, vocabs, train_words = saved.config, saved.vocabs, saved.train_words
        meta.update({k: v for k, v in saved.meta.items() if k in ("embeddings", "recipe")})
        if not has_checkpoint(output):
            # stopped after saving its first model but before the first checkpoint
            check_architecture(output, architecture)
            log.warning("no checkpoint yet: training goes on from the saved model's weights")
            resume, init_state = False, saved.tensors
    else:
        config = dataclasses.replace(run.config)
        meta["recipe"] = run.record()
        vectors = None
        if (embeddings := run.embeddings) is not None:
            from seqnlp.embeddings.recipe import pretrained_vectors

            vectors, _ = pretrained_vectors(embeddings, progress)
        vocabs, train_words = build_vocabs(
            train_sents,
            lowercase=config.lowercase,
            vectors=vectors,
            max_words=run.max_words,
            tags_from=gold_sents,
        )
        config.num_words = len(vocabs["words"])
        config.num_chars = len(vocabs["chars"])
        config.num_upos = len(vocabs["upos"])
        config.num_xpos = len(vocabs["xpos"])
        meta["embeddings"] = None
        if vectors is not None and config.word_dim:
            init, coverage = _embedding_init(vectors, vocabs["words"], config.word_dim)
            meta["embeddings"] = {
                "source": str(vectors.meta.get("path", embeddings)),
                "dim": vectors.dim,
                "coverage": round(coverage, 4),
            }
            log.info("pretrained vectors cover %.1f%% of the word vocabulary", 100 * coverage)

    counts = Counter(normalize_token(w, config.lowercase) for s in train_sents for w in s.words)
    word_counts = [counts.get(w, 0) for w in vocabs["words"].itos]
    encoder = TokenEncoder(config, vocabs["words"], vocabs["chars"])
    upos_vocab, xpos_vocab = vocabs["upos"], vocabs["xpos"]
    pairs = tag_pairs(gold_sents)

    def network(member: int) -> TaggerNet:
        net = TaggerNet(config, word_counts)
        if init_state is not None:
            net.load_state_dict({k: torch.from_numpy(v) for k, v in init_state.items()})
        elif net.word_embedding is not None:
            with torch.no_grad():
                if init is not None:
                    net.word_embedding.weight.copy_(torch.from_numpy(init))
                else:  # the same scale as pretrained rows, for a fair comparison
                    net.word_embedding.weight.normal_(0.0, EMBEDDING_STD)
                    net.word_embedding.weight[PAD_ID] = 0.0
        return net

    def example(s: TaggedSentence) -> tuple[list[str], list[int], list[int]]:
        # a tag outside the gold tag sets (a silver token the teachers were unsure of) is
        # not learnt: the token is context only
        upos = [upos_vocab.stoi.get(t, IGNORE_INDEX) for t in s.upos]
        xpos = [xpos_vocab.stoi.get(t, IGNORE_INDEX) for t in s.xpos]
        return s.words, upos, xpos

    def collate(examples: list[tuple[list[str], list[int], list[int]]]) -> Batch:
        arrays = encoder.encode([words for words, _, _ in examples])
        steps = arrays["words"].shape[1]
        targets = {}
        for k, key in ((1, "upos"), (2, "xpos")):
            padded = np.full((len(examples), steps), IGNORE_INDEX, dtype=np.int64)
            for i, ex in enumerate(examples):
                padded[i, : len(ex[k])] = ex[k]
            targets[key] = torch.from_numpy(padded)
        inputs = {k: torch.from_numpy(v) for k, v in arrays.items()}
        return Batch(inputs, targets, int(arrays["lengths"].sum()))

    def evaluate(net: Any, sentences: Sequence[TaggedSentence]) -> dict[str, float]:
        # The saved tagger's own path (numpy network, pair decoding) and evaluate_tagger's
        # scorer: every gold token counts, tags never seen in training included.
        tagger = Tagger(config, vocabs, state_arrays(net), train_words=train_words, pairs=pairs)
        return tag_accuracies(tagger, sentences)

    def model(states: list[dict[str, np.ndarray]], model_meta: dict[str, Any]) -> Tagger:
        (tensors,) = states
        return Tagger(config, vocabs, tensors, model_meta, train_words=train_words, pairs=pairs)

    plan = Plan(
        train=[example(s) for s in train_sents],
        dev=dev_sents,
        network=network,
        collate=collate,
        evaluate=evaluate,
        model=model,
        length=lambda ex: len(ex[0]),
        meta=meta,
        architecture=architecture,
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
