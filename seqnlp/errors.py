"""The one exception hierarchy of seqnlp: the CLI turns each into a one-line message."""

from __future__ import annotations


class SeqnlpError(Exception):
    """Base class for every error that a user can cause and fix."""


class DataError(SeqnlpError):
    """Input data is missing, unreadable or malformed (the message names file and line)."""


class ModelFileError(SeqnlpError):
    """A model file or directory is missing, corrupted, of another kind, or unsafe."""


class UnknownWordError(SeqnlpError, KeyError):
    """A query word is not in the vocabulary; ``suggestions`` lists close spellings."""

    def __init__(self, word: str, suggestions: list[str] | None = None) -> None:
        self.word = word
        self.suggestions = suggestions or []
        super().__init__(word)

    def __str__(self) -> str:
        msg = f"unknown word {self.word!r}"
        if self.suggestions:
            msg += f" (closest in the vocabulary: {', '.join(self.suggestions)})"
        return msg
