"""The recipe of the shipped word vectors, as library data: ``seqnlp train-embeddings`` with
no options runs it, and the shipped vectors' ``meta.json`` records it (``recipe``). A recipe
is also how another model names the vectors it starts from (the sentiment recipe's review
and tweet vectors): :meth:`EmbeddingsRecipe.cached` trains them once into the cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from typing import Any

from seqnlp.embeddings.config import EmbeddingConfig
from seqnlp.embeddings.vectors import WordVectors
from seqnlp.training.config import run_record

log = logging.getLogger("seqnlp")


@dataclasses.dataclass(frozen=True)
class EmbeddingsRecipe:
    """Corpus, gensim settings and what is kept of a vectors run.

    ``corpus`` holds what ``--corpus`` takes: files, registered corpora (``enwiki-2015``,
    ``enwiki-2015:part1``) and labelled dataset splits (``yelp:train``).
    """

    corpus: tuple[str, ...]
    config: EmbeddingConfig
    top: int | None  # the most frequent words saved (None: all)
    dtype: str

    def record(self) -> dict[str, Any]:
        """What a run of this recipe records in ``meta.json``."""
        return run_record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def digest(self) -> str:
        """A name for these vectors that changes with any setting of the recipe."""
        text = json.dumps(self.record(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def train(self, workers: int | None = None, progress: bool = True) -> WordVectors:
        """Train the vectors (gensim, ``workers`` threads: the cores by default)."""
        from seqnlp.embeddings.training import corpus_sources, train_embeddings

        vectors = train_embeddings(corpus_sources(self.corpus), self.config, workers, progress)
        vectors.meta["corpus"]["names"] = list(self.corpus)
        vectors.meta["recipe"] = self.record()
        return vectors.truncate(self.top) if self.top else vectors

    def cached(self, progress: bool = True) -> WordVectors:
        """The vectors, trained on first use into ``vectors/<digest>`` under the cache
        (``$SEQNLP_CACHE_DIR``, else ``~/.cache/seqnlp``) and read from there after: a
        model's recipe can name vectors that are not shipped, and every run of it reads
        the same ones.

        Raises:
            DataError: a corpus the first run cannot read (see :func:`corpus_sources`).
        """
        from seqnlp.datasets import cache_root

        directory = cache_root() / "vectors" / self.digest()
        if not (directory / "config.json").is_file():
            log.info("training the recipe's word vectors once, into %s", directory)
            self.train(progress=progress).save(directory, dtype=self.dtype, overwrite=True)
        return WordVectors.load(directory)


def pretrained_vectors(
    embeddings: str | os.PathLike | EmbeddingsRecipe, progress: bool = True
) -> tuple[WordVectors, str]:
    """The vectors a model's ``embeddings`` setting names: ``"default"`` (the shipped ones), a
    vectors directory or file, or a recipe (trained once into the cache, :meth:`cached`);
    and the name the model's ``meta.json`` gives them."""
    if isinstance(embeddings, EmbeddingsRecipe):
        return embeddings.cached(progress), f"recipe {embeddings.digest()}"
    path = None if str(embeddings) == "default" else embeddings
    return WordVectors.load(path), str(embeddings)


RECIPE = EmbeddingsRecipe(
    # CBOW, 200-d, window 8, 15 negatives, sample 1e-4, 6 epochs on 77 M Wikipedia tokens
    corpus=("enwiki-2015",),
    config=EmbeddingConfig(),
    top=30_000,
    dtype="int8",
)
