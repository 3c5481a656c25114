"""Raw text -> sentences -> tokens in UD English EWT conventions.

One tokenizer for training and prediction, so that the two never disagree.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    https?://\S+[^\s.,;:!?)"']        # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+     # e-mail addresses
    | (?i:n't)                         # negation clitic
    | '(?:s|re|ll|ve|d|m)\b            # clitics
    | \w+?(?=n't\b)                    # do|n't
    | \w+(?='(?:s|re|ll|ve|d|m)\b)     # it|'s
    | \d+(?:[.,:]\d+)*                 # numbers, times
    | (?:[A-Za-z]\.){2,}               # U.S.
    | \w+(?:-\w+)*                     # words, hyphenated words
    | \.\.\.|--|[^\w\s]                # punctuation
    """,
    re.VERBOSE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def word_tokenize(sentence: str) -> list[str]:
    """Split one sentence into tokens."""
    return _TOKEN.findall(sentence)


def tokenize(text: str) -> list[list[str]]:
    """Split running text into sentences of tokens."""
    return [word_tokenize(s) for s in split_sentences(text)]
