"""Unicode text beyond what ``re`` knows: grapheme clusters (UAX #29), scripts and emoji,
through the ``regex`` module.

The tokenizer works with ``re`` (faster, and enough for ASCII); these patterns serve text
that is not ASCII: keeping "❤️", "👍🏽", "🇫🇷" and "👨‍👩‍👧" whole, the zero-width joiner of an
emoji sequence, and telling emoji and words of other scripts apart for the tagger.
"""

from __future__ import annotations

import functools
import types

__all__ = ["has_clusters", "join_clusters", "remove_stray_joiners", "token_kind"]


@functools.cache
def _unicode() -> types.SimpleNamespace:
    """Patterns over Unicode properties that ``re`` lacks (grapheme clusters, scripts,
    emoji), from the ``regex`` module. Importing it costs about 30 ms, so only text that is
    not ASCII pays it, once per process."""
    import regex

    return types.SimpleNamespace(
        # a character that joins its neighbour into one grapheme cluster (UAX #29): marks,
        # the zero-width joiner, skin tones, variation selectors, flag halves, Hangul jamo
        glue=regex.compile(
            r"[^\p{GCB=Other}\p{GCB=Control}\p{GCB=CR}\p{GCB=LF}\p{GCB=LV}\p{GCB=LVT}]"
        ),
        cluster=regex.compile(r"\X"),
        mark=regex.compile(r"\p{M}"),
        # a joiner that is not inside an emoji sequence (👨‍👩‍👧): invisible glue to remove
        stray_zwj=regex.compile(
            r"(?<!\p{Extended_Pictographic}\p{GCB=Extend}*)\u200d"
            r"|\u200d(?!\p{Extended_Pictographic})"
        ),
        # a token of emoji only: pictographs, flags, keycaps, with their modifiers and joiners
        emoji=regex.compile(
            r"(?=.*[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3])"
            r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{GCB=Extend}\u200d\u20e3\d#*]+"
        ),
        # a token with letters, none of them Latin: CJK, Arabic, Cyrillic, Greek ...
        foreign=regex.compile(r"(?=.*\p{L})[^\p{Latin}]+"),
    )


def token_kind(token: str) -> str | None:
    """What a token is made of, where a model trained on English text cannot know it:
    ``"emoji"`` (emoji only: "👍🏽", "🇫🇷", "❤️❤️"), ``"non-latin"`` (letters, none of them
    Latin: "東京は大きい", "مرحبا", "Москва"), else None (every ASCII token)."""
    if token.isascii():
        return None
    patterns = _unicode()
    if patterns.emoji.fullmatch(token):
        return "emoji"
    if patterns.foreign.fullmatch(token):
        return "non-latin"
    return None


def join_clusters(sentence: str, tokens: list[str]) -> list[str]:
    """Glue back tokens that the regex split inside a grapheme cluster ("❤️", "👍🏽", "🇫🇷",
    "👨‍👩‍👧", a base letter and its combining accent) or inside a word of a script that
    writes vowels as marks ("नमस्ते")."""
    patterns = _unicode()
    ends = {m.end() for m in patterns.cluster.finditer(sentence)}
    out: list[str] = []
    end = 0  # where the last token of ``out`` ends in ``sentence``
    for token in tokens:
        start = sentence.find(token, end)
        if (
            out
            and start == end
            and (end not in ends or (patterns.mark.match(out[-1][-1]) and token[0].isalnum()))
        ):
            out[-1] += token
        else:
            out.append(token)
        end = start + len(token)
    return out


def has_clusters(text: str) -> bool:
    """Whether ``text`` holds a character that joins its neighbour into one grapheme
    (a mark, a joiner, a skin tone, a flag half...): only then can a tokenizer built on
    ``re`` cut through one."""
    return _unicode().glue.search(text) is not None


def remove_stray_joiners(text: str) -> str:
    """``text`` without the zero-width joiners that are not inside an emoji sequence."""
    return _unicode().stray_zwj.sub("", text)
