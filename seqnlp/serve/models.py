"""The server's one door into the seqnlp library.

Every call the server makes into seqnlp goes through this module, so that when the
library's modules move, only the imports below need repointing. Everything here is numpy
(no torch) and plain Python data in and out.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import seqnlp
from seqnlp.embeddings import WordVectors
from seqnlp.errors import SeqnlpError, UnknownWordError
from seqnlp.tagger import format_sentence, tag_lines
from seqnlp.tagger.model import sentence_tokens
from seqnlp.tokenize import tokenize

__all__ = ["Models", "SeqnlpError", "UnknownWordError", "Sentence", "__version__"]

__version__ = seqnlp.__version__

log = logging.getLogger("seqnlp")


@dataclass
class Sentence:
    """One tagged sentence of a request's text."""

    text: str
    tokens: list[str]
    upos: list[str]
    xpos: list[str]
    tokens_out: list[dict[str, Any]]  # each token as /v1/tag answers it
    _tags: Any = field(repr=False, default=None)  # the library's SentenceTags, for CoNLL-U


@dataclass
class Models:
    """The three models of one server worker, loaded once at start."""

    tagger: Any
    classifier: Any
    vectors: WordVectors
    paths: dict[str, str | None]
    load_seconds: dict[str, float]

    @classmethod
    def load(
        cls,
        tagger: str | None = None,
        sentiment: str | None = None,
        vectors: str | None = None,
    ) -> Models:
        """Load the models at these paths (None: the ones shipped with seqnlp).

        Raises:
            ModelFileError: a path is not a model of the right kind.
        """
        seconds = {}
        start = time.perf_counter()
        tagger_model = seqnlp.load_tagger(tagger)
        seconds["tagger"] = time.perf_counter() - start
        start = time.perf_counter()
        classifier = seqnlp.load_classifier(sentiment)
        seconds["sentiment"] = time.perf_counter() - start
        start = time.perf_counter()
        word_vectors = WordVectors.load(vectors)
        word_vectors.unit  # noqa: B018 (normalise the rows now, not on the first query)
        seconds["vectors"] = time.perf_counter() - start
        log.info("models loaded in %.2f s", sum(seconds.values()))
        paths = {"tagger": tagger, "sentiment": sentiment, "vectors": vectors}
        return cls(tagger_model, classifier, word_vectors, paths, seconds)

    # ------------------------------------------------------------------ text
    @staticmethod
    def tokenize(texts: Sequence[str]) -> list[list[list[str]]]:
        """Each text's sentences, each a list of tokens."""
        return [tokenize(text) for text in texts]

    def tag(self, items: Sequence[tuple[str, int]]) -> list[list[Sentence]]:
        """Tag a batch of (text, top_k) items: each text's sentences, in order (the CLI's
        path), each token with its offsets in the text and its tags' probabilities."""
        texts = [text for text, _ in items]
        result: list[list[Sentence]] = [[] for _ in texts]
        top_k = max((k for _, k in items), default=0)
        for s in tag_lines(self.tagger, enumerate(texts), top_k=top_k):
            tokens = [
                t.to_dict() for t in sentence_tokens(s.tokens, s.upos, s.xpos, s.spans, s.scores)
            ]
            k = items[s.source][1]
            for t in tokens:  # only the top-k this request asked for
                for name in ("upos_top", "xpos_top"):
                    if k:
                        t[name] = t[name][:k]
                    else:
                        t.pop(name, None)
            result[s.source].append(Sentence(s.text, s.tokens, s.upos, s.xpos, tokens, s))
        return result

    @staticmethod
    def conllu(sentences: Sequence[Sentence], first_id: int = 1) -> str:
        """Sentences as CoNLL-U (UPOS and XPOS), numbered from ``first_id``."""
        return "".join(
            format_sentence(s._tags, "conllu", "both", first_id + i) + "\n"
            for i, s in enumerate(sentences)
        )

    def sentiment(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Label, probability and every label's probability for each text."""
        return [p.to_dict() for p in self.classifier.predict(list(texts))]

    # ------------------------------------------------------------------ vectors
    def similar(self, word: str, topn: int) -> list[tuple[str, float]]:
        return self.vectors.similar(word, topn=topn)

    def similarity(self, a: str, b: str) -> dict[str, float]:
        return {
            "similarity": self.vectors.similarity(a, b),
            "distance": self.vectors.distance(a, b),
        }

    def analogy(self, a: str, b: str, c: str, method: str, topn: int) -> list[tuple[str, float]]:
        return self.vectors.analogy(a, b, c, method=method, topn=topn)

    def most_similar(
        self, positive: list[str], negative: list[str], method: str, topn: int
    ) -> list[tuple[str, float]]:
        return self.vectors.most_similar(positive, negative, topn, method)

    def doesnt_match(self, words: list[str]) -> str:
        return self.vectors.doesnt_match(words)

    def n_similarity(self, a: list[str], b: list[str]) -> float:
        return self.vectors.n_similarity(a, b)

    def word_map(self, words: Sequence[str]) -> list[tuple[float, float]]:
        """2-D coordinates of ``words`` (PCA of their unit vectors), each axis in [-1, 1]."""
        matrix = np.stack([self.vectors.vector(w) for w in words]).astype(np.float64)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        centred = matrix - matrix.mean(axis=0)
        if len(words) < 2:
            return [(0.0, 0.0) for _ in words]
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        points = centred @ vt[:2].T
        if points.shape[1] < 2:
            points = np.hstack([points, np.zeros((len(words), 1))])
        # a fixed sign per axis so that the same query always draws the same map
        points *= np.where(points[np.abs(points).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)
        points /= np.maximum(np.abs(points).max(axis=0), 1e-12)
        return [(float(x), float(y)) for x, y in points]

    # ------------------------------------------------------------------ info
    def info(self) -> dict[str, Any]:
        """What is loaded: paths, shapes and labels, for ``GET /v1/info``."""
        tagger, classifier, vectors = self.tagger, self.classifier, self.vectors
        return {
            "version": __version__,
            "torch_imported": "torch" in sys.modules,
            "models": {
                "tagger": {
                    "path": self.paths["tagger"] or "shipped",
                    "description": repr(tagger),
                    "upos_tags": list(tagger.upos_tags),
                    "load_seconds": round(self.load_seconds["tagger"], 3),
                },
                "sentiment": {
                    "path": self.paths["sentiment"] or "shipped",
                    "labels": list(classifier.label_names),
                    "cell": classifier.config.cell,
                    "load_seconds": round(self.load_seconds["sentiment"], 3),
                },
                "vectors": {
                    "path": self.paths["vectors"] or "shipped",
                    "words": len(vectors),
                    "dim": vectors.dim,
                    "algorithm": vectors.config.algorithm,
                    "load_seconds": round(self.load_seconds["vectors"], 3),
                },
            },
        }
