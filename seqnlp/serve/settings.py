"""The server's limits and choices, in one light module (the CLI imports it for --help)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

# How ``seqnlp serve`` hands its choices to worker processes (``--workers N`` starts
# each worker from an import string, so they cannot be passed as arguments).
ENV_TAGGER = "SEQNLP_SERVE_TAGGER"
ENV_SENTIMENT = "SEQNLP_SERVE_SENTIMENT"
ENV_VECTORS = "SEQNLP_SERVE_VECTORS"
ENV_SETTINGS = "SEQNLP_SERVE_SETTINGS"


@dataclass(frozen=True)
class Settings:
    """Limits that keep one request from starving the others.

    Args:
        max_body_bytes: a larger body is refused with 413 before it is read whole.
        max_texts: most texts (or words, pairs, queries) in one request (413 beyond).
        max_chars: most characters in one text (413 beyond).
        max_word_chars: most characters in one query word (422 beyond).
        max_topn: most neighbours or analogy answers asked for.
        body_timeout: seconds a client may take to send its whole body (408 beyond).
        batch_window: seconds a micro-batch waits for more requests. 0 (the default, and
            faster in the benchmark): take whatever waits while the previous batch runs.
        max_batch: most texts in one batched model call.
    """

    max_body_bytes: int = 1_000_000
    max_texts: int = 1_000
    max_chars: int = 20_000
    max_word_chars: int = 100
    max_topn: int = 100
    body_timeout: float = 10.0
    batch_window: float = 0.0
    max_batch: int = 1024

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{f.name} must be a number >= 0, got {value!r}")
        for name in ("max_body_bytes", "max_texts", "max_chars", "max_word_chars", "max_topn"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {self.max_batch}")

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        """The settings in ``SEQNLP_SERVE_SETTINGS`` (JSON), or the defaults."""
        text = os.environ.get(ENV_SETTINGS)
        return cls(**json.loads(text)) if text else cls()
