"""Tiny models of every kind, trained or built once per session for the robustness suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Model directories: ``tagger``, ``sentiment`` (with n-grams) and ``vectors`` (int8)."""
    import torch

    from seqnlp.embeddings import EmbeddingConfig, WordVectors
    from tests.conftest import TINY_VECTORS, TINY_WORDS
    from tests.sentiment.test_sentiment import tiny_train
    from tests.tagger.data import train_tiny

    root = tmp_path_factory.mktemp("robust-models")
    train_tiny(root, epochs=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        classifier, _ = tiny_train(epochs=1, ngram_weight=0.3)
    finally:
        torch.set_num_threads(threads)
    classifier.save(root / "sentiment")
    vectors = np.array([TINY_VECTORS[w] for w in TINY_WORDS], dtype=np.float32)
    counts = np.arange(10, 0, -1)
    WordVectors(TINY_WORDS, vectors, EmbeddingConfig(dim=5), counts=counts).save(
        root / "vectors", dtype="int8"
    )
    return {"tagger": root / "tagger", "sentiment": root / "sentiment", "vectors": root / "vectors"}
