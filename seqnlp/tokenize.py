"""Raw text -> sentences -> tokens in UD English EWT conventions: the one home of text.

One tokenizer for training and prediction, so that the two never disagree; here too are
the one lookup key of a word (:func:`normalize_token`), the sentences the tagger reads from raw
text (:func:`split_text`), and SST's PTB conventions both ways (:func:`sst_normalize`,
:func:`sst_unescape`). The rules were read off the EWT train and dev splits (r2.16) and
are scored the way the CoNLL 2018 shared task scores tokenizers
(:func:`seqnlp.evaluation.evaluate_tokenizer`):

- punctuation is split off, but runs stay whole (``!!!``, ``...``, ``?!``, ``--``);
- clitics are split (``do n't``, ``it 's``, ``I 'm``, ``ca n't``), as are the contractions
  that EWT treats as two words (``gon na``, ``can not``, and typos such as ``dont``);
- abbreviations keep their period (``Mr.``, ``U.S.``, ``etc.``) except at the end of a
  sentence, where EWT writes ``etc`` + ``.``;
- hyphenated words are split (``long - term``) unless the first part is a prefix
  (``non-profit``, ``e-mail``); numbers, times, dates, phone numbers, URLs, e-mail
  addresses, file names, emoticons and hashtags (``#blessed``, not ``#1``) stay whole;
- a grapheme cluster is never cut (``❤️``, ``👍🏽``, ``🇫🇷``, ``👨‍👩‍👧``, a letter and its
  combining accent): text that is not ASCII goes through :mod:`seqnlp.unicode`.

Tokens are always substrings of the input: the characters of the text, whitespace aside,
are exactly the characters of the tokens. Text normalisation is separate (:func:`normalize`).
"""

from __future__ import annotations

import re
import sys
import types
import unicodedata
from collections.abc import Sequence

from seqnlp import deprecation
from seqnlp.unicode import has_clusters, join_clusters, remove_stray_joiners, token_kind

__all__ = [
    "normalize",
    "normalize_token",
    "split_sentences",
    "split_text",
    "sst_normalize",
    "sst_unescape",
    "token_kind",
    "tokenize",
    "word_tokenize",
]


def _variants(words: str) -> str:
    """A regex alternation of ``words`` as written, lower-cased and upper-cased."""
    forms = {f for w in words.split() for f in (w, w.lower(), w.upper())}
    return "|".join(sorted(forms, key=lambda f: (-len(f), f)))


# Abbreviations that keep their period. Those in _MAY_END_SENTENCE also end sentences
# ("... at Enron Corp. The ..."); the others ("Mr.", "Sept.") never do.
_ABBREVIATIONS = (
    "Mr Mrs Ms Dr Drs Prof Rev Gen Col Lt Sgt Capt Gov Sen Rep Reps Pres St Sts Ft Mt PS "
    "vs viz approx dept ext fig vol pp ph fax mob attn para lb lbs oz ft sq hr hrs eg arrv "
    "spec Ass't Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
_MAY_END_SENTENCE = "Inc Co Corp Ltd Pvt Bros Jr Sr etc ect Mon Tue Tues Wed Thu Thur Thurs Fri"
# Prefixes whose hyphen EWT keeps inside the word (non-profit, re-read); others are split.
_PREFIXES = (
    "mis non pre anti mid re post co over pro multi ex sub semi cross neo psycho socio arch "
    "counter intra un"
)

# An abbreviation's period is its own token when nothing but closing quotes follows it.
_NOT_FINAL = r"(?!\.|[\"'”’)\]]*\s*$)"
_CLITIC_BODY = r"(?:(?i:s|re|ll|ve|d|m)\b|(?i:m)(?=a\b))"  # 's 're ... and I'm|a
_CLITIC = rf"['’`]{_CLITIC_BODY}"
_NEGATION = r"[nN]['’`][tT](?:\b|(?=a\b))"  # n't, and is|n't|a
_RUNS = "|".join(re.escape(c) + "{2,}" for c in "-*=<>'’+_~#…$()[]\\/\",")

# Order matters: the first branch that matches at a position wins. Branches that start
# with a literal or a character class are rejected by the regex engine in one step, so
# the common cases (a plain word, a comma, a final period) come first; that keeps
# findall above 1 M tokens/s. The leading \s* skips whitespace in one step instead of
# trying every branch at every space.
_TOKEN = re.compile(
    rf"""\s*(
      Yahoo!
    | [A-Za-z]+(?![\w.'’`@&/:-])                    # plain word
    | [A-Za-z]+(?=\.[\"'”’)\]]*\s*$)                # the word before the final period
    | \.(?![\w.?!,])
    | [:;=][-o^]?[()DPp/|\]\[*](?!\w) | \^_\^ | \(:  # emoticons
    | [,;"](?![?!,;"])
    | {_NEGATION}
    | {_CLITIC}
    | ['’](?:\d\ds?|(?i:em))\b                      # the '70s, '72, 'em
    | (?:https?|ftp)://[^\s<>"]+[^\s<>".,;:!?)'\]]  # URLs
    | www\.[^\s<>"]+[^\s<>".,;:!?)'\]]
    | (?:mailto:)?[\w.+-]*@[A-Za-z][\w-]*(?:\.[\w-]+)*               # e-mail, @user
    | (?:alt|comp|misc|rec|sci|soc|talk|news)(?:\.[a-z][\w-]*)+      # Usenet groups
    | [\w-]+(?:\.[\w-]+)*\.(?i:com|org|net|edu|gov|uk|ca|de|fr|info|doc|docx|xls|xlsx
        |pdf|txt|htm|html|url|zip|ppt|pptx|jpg|jpeg|gif|png|mp3|exe|csv)\b  # hosts, files
    | \.(?i:doc|xls|pdf|txt|htm|html)\b
    | (?:\+?1-)?(?:\d{{3}}[/-])?\d{{3}}-\d{{4}}\b | (?<!\d)x?\d-\d{{4}}\b   # phone numbers
    | (?:0?[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])(?:/\d{{2,4}})?(?![\d/])  # dates, not 1/2
    | (?:0[1-9]|1[0-2])/[1-9](?:/\d{{2,4}})?(?![\d/])
    | \d{{1,2}}/\d{{1,2}}/\d{{2,4}}(?![\d/])
    | \d+['’]s\b                                    # the 60's
    | \w+?(?={_NEGATION})                           # do|n't
    | \w+(?={_CLITIC})                              # it|'s
    | (?i:b/c|w/o|l/c|i/c|b/t)\b
    | \+\d+ | \d+(?:[.,:]\d+)*(?:(?i:st|nd|rd|th|s)\b)? | \.\d+  # 3.5 1,000 10:30 20th
    | (?:{_variants(_ABBREVIATIONS + " " + _MAY_END_SENTENCE)})\.{_NOT_FINAL}
    | (?i:no)\.(?=\s*\#?\d)                         # No. 5
    | [A-Za-z](?:\.[A-Za-z])+(?:\.{_NOT_FINAL})?    # U.S. e.g. p.m.
    | [A-Z]\.{_NOT_FINAL}                           # initials: George W. Bush
    | [A-Z]+&[A-Z]+                                 # AT&T
    | (?i:(?:{_PREFIXES.replace(" ", "|")})-\w+) | (?i:e)-[a-z]\w*
    | \w+(?:['’](?!{_CLITIC_BODY})\w+)*                # words, O'Connell
    | (?<![^\s(\[{{"'“‘])\#(?=\w*[^\W\d_])\w+       # #hashtags, not #1 or F%#king
    | \.\.+ | [.,]?[?!]+(?:\.(?!\.))?               # ... .? ?!
    | ‘’ | {_RUNS}
    | [^\w\s]
    )""",
    re.VERBOSE,
)

# Whole tokens that EWT splits into two or three words: contractions written without an
# apostrophe. Found after the regex by a set lookup, since they are rare.
_SPLITS: dict[str, tuple[str, ...]] = {
    "cannot": ("can", "not"),
    "gonna": ("gon", "na"),
    "wanna": ("wan", "na"),
    "gotta": ("got", "ta"),
    "outta": ("out", "ta"),
    "dunno": ("du", "n", "no"),
    "im": ("i", "m"),
    "ive": ("i", "ve"),
    "thats": ("that", "s"),
    "whats": ("what", "s"),
    "theres": ("there", "s"),
    "heres": ("here", "s"),
    "elses": ("else", "s"),
    "hes": ("he", "s"),
    "youre": ("you", "re"),
    "theyre": ("they", "re"),
    "itll": ("it", "ll"),
    "youll": ("you", "ll"),
    "theyll": ("they", "ll"),
    **{
        aux + "nt": (aux, "nt")
        for aux in "ca wo ai do does did is are was were has have had could would should "
        "must need ar".split()
    },
}
# "its" and "lets" are split only where the possessive or the verb cannot be meant:
# before a determiner, negation, adverb or preposition ("its a", "lets hope").
_SPLIT_BEFORE: dict[str, tuple[tuple[str, str], frozenset[str]]] = {
    "its": (
        ("it", "s"),
        frozenset(
            "a an the this that my your his her our their not in for from between about "
            "because like really simply still just so also now too definitely always never "
            "probably prolly been getting going gonna ok okay".split()
        ),
    ),
    "lets": (
        ("let", "s"),
        frozenset("get try be hope face take call see do make just not say talk start".split()),
    ),
}
_SPECIAL = frozenset(
    form for word in [*_SPLITS, *_SPLIT_BEFORE] for form in (word, word.title(), word.upper())
)


def _split_special(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        parts = _SPLITS.get(lower)
        if parts is None and lower in _SPLIT_BEFORE and i + 1 < len(tokens):
            split, before = _SPLIT_BEFORE[lower]
            if tokens[i + 1].lower() in before:
                parts = split
        if parts is None:
            out.append(token)
            continue
        start = 0
        for part in parts:  # slice the token itself, so "DONT" gives "DO", "NT"
            out.append(token[start : start + len(part)])
            start += len(part)
    return out


def word_tokenize(sentence: str) -> list[str]:
    """Split one sentence into UD English EWT words.

    The end of ``sentence`` is taken to be the end of a sentence ("etc." at the end gives
    "etc", "."), so pass sentences, not running text (see :func:`tokenize`).
    """
    tokens = _TOKEN.findall(sentence)
    if not sentence.isascii() and has_clusters(sentence):
        tokens = join_clusters(sentence, tokens)
    if not _SPECIAL.isdisjoint(tokens):
        tokens = _split_special(tokens)
    return tokens


# A candidate sentence end: an ellipsis, a stop or an emoticon, closing quotes and
# brackets, whitespace, and the next character (looked at, not taken).
_SENTENCE_END = re.compile(r"""(?:(\.\.+|…+)|([.!?]+)|[:;=]-?[()DP])[\"'”’)\]]*(?=\s+(\S))""")
# Words whose period is not a sentence end: abbreviations, initials, U.S, list numbers.
_NO_BREAK_AFTER = re.compile(
    rf"[\W_]*(?:{_variants(_ABBREVIATIONS)}|[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]|\d{{1,2}})"
)
_MAY_END = re.compile(rf"[\W_]*(?:{_variants(_MAY_END_SENTENCE)})")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences.

    A blank line always ends a sentence; otherwise a sentence ends at ``.``, ``!``, ``?``,
    an ellipsis or an emoticon followed by whitespace, unless the period belongs to an
    abbreviation ("Mr. Smith") or the next character says the sentence goes on (an
    ellipsis or "Inc." before a lower-case word, ". :"). Sentences that end without
    punctuation, common in web text, are not found.

    Returns:
        The sentences as stripped substrings of ``text``.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            ellipsis, stop, following = match.groups()
            if following in ".,:;?!":
                continue
            if ellipsis and not (following.isupper() or following.isdigit()):
                continue
            if stop == ".":
                before = paragraph[max(0, match.start() - 20) : match.start()]
                word = before.split()[-1] if before[-1:].strip() else ""
                if _NO_BREAK_AFTER.fullmatch(word):
                    continue
                if word in ("No", "no") and following.isdigit():
                    continue
                if _MAY_END.fullmatch(word) and not following.isupper():
                    continue
            sentence = paragraph[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


# Invisible characters that web text carries and that would otherwise glue or split words.
# The zero-width joiner is kept inside emoji sequences (👨‍👩‍👧), where it is part of the
# character the user sees.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u2060\ufeff"))
# Control characters that are not already whitespace (NUL, BEL, ESC, DEL, C1 ...).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def normalize(text: str) -> str:
    """Prepare raw user text for tokenization: Unicode NFC, invisible characters removed,
    control characters made spaces.

    EWT and SST are NFC; a decomposed "é" or a zero-width space pasted from a web page
    would otherwise become a word the vocabulary has never seen. A NUL or ESC in a word
    would reach the output, where many tools take NUL for the end of the text.
    """
    text = _CONTROL.sub(" ", text)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if "\u200d" in text:
        text = remove_stray_joiners(text)
    return text


def tokenize(text: str) -> list[list[str]]:
    """Split running text into sentences of EWT words (after :func:`normalize`)."""
    return [word_tokenize(s) for s in split_sentences(normalize(text))]


def split_text(text: str, *, normalized: bool = False) -> list[tuple[str, list[str]]]:
    """Raw text -> (sentence text, tokens) of each sentence with tokens, as :func:`tokenize`
    splits it: the one path from a user's text into the tagger (``Tagger.predict``,
    ``annotate`` and the ``tag`` command's lines alike, the last two through
    :func:`seqnlp.tagger.offsets.split_with_spans`), keeping each sentence's text for
    CoNLL-U's ``# text``. ``normalized``: the text is :func:`normalize`'s output already."""
    out = []
    for sentence in split_sentences(text if normalized else normalize(text)):
        tokens = word_tokenize(sentence)
        if tokens:
            out.append((sentence, tokens))
    return out


def normalize_token(token: str, lowercase: bool) -> str:
    """The one lookup key of a word in a vocabulary or a table of vectors, shared by
    training, queries and the taggers: lower-cased when the table is (``lowercase``)."""
    return token.lower() if lowercase else token


# ------------------------------------------------------------------------------- SST

_PTB_SYMBOLS = {
    "(": "-lrb-",
    ")": "-rrb-",
    "[": "-lsb-",
    "]": "-rsb-",
    "{": "-lcb-",
    "}": "-rcb-",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "…": "...",
}
# EWT splits these where SST (Penn Treebank tokenization) keeps one token.
_SST_JOINS = {("gon", "na"): "gonna", ("wan", "na"): "wanna", ("got", "ta"): "gotta"}


def sst_normalize(tokens: Sequence[str]) -> list[str]:
    """Map EWT tokens onto the SST-2 vocabulary: lower case, PTB brackets and quotes.

    SST-2 text is lower-cased and PTB-tokenised, so a model trained on it expects
    ``-lrb-`` for "(", ``` `` ``` and ``''`` for opening and closing double quotes,
    ``\\/`` and ``\\*`` escaped, and hyphenated or slashed words whole
    ("well-made", "writer\\/director"), which :func:`word_tokenize` splits.
    A "-" or "/" between two words is therefore joined back, even where the user
    typed spaces around it.
    """
    out: list[str] = []
    open_quote = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        pair = (token.lower(), tokens[i + 1].lower()) if i + 1 < len(tokens) else None
        if pair in _SST_JOINS:
            out.append(_SST_JOINS[pair])
            i += 2
            continue
        if token in ("-", "/") and out and i + 1 < len(tokens) and _is_word(out[-1]):
            if _is_word(tokens[i + 1]):
                out[-1] += (token + tokens[i + 1]).lower().replace("/", "\\/")
                i += 2
                continue
        if token == '"':
            token = "''" if open_quote else "``"
            open_quote = not open_quote
        elif token in _PTB_SYMBOLS:
            token = _PTB_SYMBOLS[token]
        else:
            token = token.lower().replace("’", "'").replace("/", "\\/").replace("*", "\\*")
        out.append(token)
        i += 1
    return out


def _is_word(token: str) -> bool:
    return token[-1:].isalnum() and token[:1].isalnum()


# The PTB escapes of SST's text, the way back from :data:`_PTB_SYMBOLS`: undone before
# tokenising, so that a training file and a user's raw text reach the same tokens.
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


def sst_unescape(text: str) -> str:
    """SST's PTB escapes back to the characters a user types: ``-lrb-`` -> "(", ``\\/``
    -> "/"; the inverse of the escaping in :func:`sst_normalize`."""
    return _PTB_PATTERN.sub(lambda m: _PTB_ESCAPES[m.group(0).lower()], text)


# exported until issue 28 moved tokenizer scoring out of the tokenizer
__getattr__ = deprecation.moved_names(__name__, {"evaluate_tokenizer": "seqnlp.evaluation"})


class _CallableModule(types.ModuleType):
    """Importing this module binds the name ``seqnlp.tokenize`` to it, in place of the
    function of that name that ``seqnlp/__init__.py`` offers; calling the module does what
    that function does, so ``seqnlp.tokenize(text)`` works before and after the import."""

    def __call__(self, text: str) -> list[list[str]]:
        return tokenize(text)


sys.modules[__name__].__class__ = _CallableModule
