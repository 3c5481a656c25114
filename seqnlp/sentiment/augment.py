"""Negation and contrast augmentation for sentiment training data.

SST's phrase-level labels teach a network what "bad" and "a tedious mess" mean, but hardly
ever what "not bad" or "a tedious start, but a moving film" mean. These functions build
extra labelled examples from the training data itself, with a few fixed templates:

* negation: a clearly polar adjective or noun (see :func:`polar_words`) put under a negator
  ("it is n't bad .", "never bad", "i do n't think it 's bad .", "no problems here .",
  "it has no charm .") takes the opposite label; under two negations ("i would n't say it is
  n't bad .", "it is not without charm .") it keeps its label (optional);
* contrast: two training phrases of opposite labels joined by "but", "although", "though",
  "even though" or "while" take the label of the clause that carries the sentence ("A , but
  B" and "although A , B" and "B , although A" take B's).

Everything is drawn from the examples given (never from an evaluation set); the output uses
SST's lower-cased, PTB-tokenised convention, as :func:`seqnlp.sentiment.to_example` reads it.
It plugs into training by concatenation::

    examples = sst2 phrases + sentences
    train(examples + negation_contrast_examples(examples, 12000), dev, config, ...)
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seqnlp.corpus import LabeledText
from seqnlp.sentiment.negation import CONTRASTS, NEGATORS

if TYPE_CHECKING:
    from seqnlp.tagger.model import Tagger

# {x}: a polar adjective phrase; the example takes the opposite label of x.
NEGATION_TEMPLATES = (
    "not {x}",
    "not {x} at all",
    "never {x}",
    "hardly {x}",
    "it 's not {x} .",
    "it is n't {x} .",
    "it was n't {x} at all .",
    "the film is not {x} .",
    "this movie is n't {x} .",
    "the story was never {x} .",
    "the performances are not {x} .",
    "i would n't call it {x} .",
    "i do n't think it 's {x} .",
    "i did n't find it {x} .",
    "nobody would call this {x} .",
    "it is not a {x} film .",
    "not very {x}",
)

# {x}: a polar adjective with the negator some words before it; the opposite label of x.
DISTANT_NEGATION_TEMPLATES = (
    "nobody i know found it {x} .",
    "there is nothing {x} about it .",
    "none of it is {x} .",
    "i never once found the film {x} .",
    "i do n't think anyone would call it {x} .",
    "not for a moment did it feel {x} .",
    "no one in the audience thought it was {x} .",
    "i do n't believe the story is {x} .",
    "the movie does not , in any way , feel {x} .",
    "i would not , honestly , say it was {x} .",
)

# {x}: a polar adjective under two negations; the example keeps the label of x.
DOUBLE_NEGATION_TEMPLATES = (
    "i would n't say it is n't {x} .",
    "nobody could say it was n't {x} .",
    "you ca n't say it is n't {x} .",
    "it was never not {x} .",
    "there is no denying it is {x} .",
    "no one would deny that it is {x} .",
    "it is not true that it is n't {x} .",
)

# The same three kinds for a polar noun {x}, singular or plural: only "no"/"any"/"without"
# frames, which need no article or verb agreement ("there is no problems" would be wrong).
NOUN_NEGATION_TEMPLATES = (
    "no {x}",
    "no {x} at all",
    "no {x} here .",
    "hardly any {x}",
    "without any {x}",
    "it has no {x} .",
    "the film has no {x} .",
    "i found no {x} in it .",
    "this movie has no {x} whatsoever .",
    "a story without {x} .",
)
NOUN_DISTANT_NEGATION_TEMPLATES = (
    "i do n't think it has any {x} .",
    "nobody found any {x} in it .",
    "i could not , honestly , find any {x} in it .",
    "not once did i see any {x} in it .",
)
NOUN_DOUBLE_NEGATION_TEMPLATES = (
    "it is not without {x} .",
    "the film is not without {x} .",
    "you ca n't say it has no {x} .",
    "nobody could say it has no {x} .",
)

NEGATION_TEMPLATES_BY_CLASS = {"ADJ": NEGATION_TEMPLATES, "NOUN": NOUN_NEGATION_TEMPLATES}
DISTANT_NEGATION_TEMPLATES_BY_CLASS = {
    "ADJ": DISTANT_NEGATION_TEMPLATES,
    "NOUN": NOUN_DISTANT_NEGATION_TEMPLATES,
}
DOUBLE_NEGATION_TEMPLATES_BY_CLASS = {
    "ADJ": DOUBLE_NEGATION_TEMPLATES,
    "NOUN": NOUN_DOUBLE_NEGATION_TEMPLATES,
}

# (template, which phrase gives the label): a and b are phrases of opposite labels.
CONTRAST_TEMPLATES = (
    ("{a} , but {b}", "b"),
    ("{a} but {b}", "b"),
    ("{a} . but {b} .", "b"),
    ("although {a} , {b}", "b"),
    ("though {a} , {b}", "b"),
    ("even though {a} , {b}", "b"),
    ("while {a} , {b}", "b"),
    ("{b} , although {a}", "b"),
    ("{b} , even though {a}", "b"),
)


def _tokens(text: str) -> list[str]:
    from seqnlp.sentiment.data import to_example

    return to_example(text)


def polar_words(
    examples: Sequence[LabeledText],
    word_class: Callable[[list[str]], list[str | None]] | None = None,
    min_count: int = 3,
    agreement: float = 0.8,
    classes: Sequence[str] = ("ADJ", "NOUN"),
) -> dict[str, dict[str, str]]:
    """Words that are clearly positive or clearly negative in ``examples``, for each of the
    word ``classes``: ``{"ADJ": {word: label}, "NOUN": {word: label}}``.

    A word qualifies when it is a one-word example with label L, and of the short examples
    (two or three tokens, no negator) that contain it at least ``min_count`` carry a label
    and at least ``agreement`` of them carry L. ``word_class`` (words -> "ADJ", "NOUN" or
    None) keeps the words a template can put under a negator as English; None asks the
    shipped tagger (:func:`tagger_word_classes`).
    """
    single: dict[str, str] = {}
    near: dict[str, Counter] = defaultdict(Counter)
    for e in examples:
        tokens = _tokens(e.text)
        if len(tokens) == 1 and tokens[0].isalpha():
            single[tokens[0]] = e.label
        elif 2 <= len(tokens) <= 3 and not NEGATORS.intersection(tokens):
            for t in set(tokens):
                near[t][e.label] += 1
    words = {}
    for word, label in single.items():
        counts = near.get(word)
        if not counts or sum(counts.values()) < min_count:
            continue
        if counts[label] / sum(counts.values()) >= agreement:
            words[word] = label
    candidates = sorted(words)
    if word_class is None:
        found = tagger_word_classes(candidates, examples, nouns="NOUN" in classes)
    else:
        found = word_class(candidates)
    out: dict[str, dict[str, str]] = {cls: {} for cls in classes}
    for word, cls in zip(candidates, found, strict=True):
        if cls in out:
            out[cls][word] = words[word]
    return out


def tagger_word_classes(
    words: list[str],
    examples: Sequence[LabeledText],
    contexts: int = 20,
    majority: float = 0.7,
    nouns: bool = True,
) -> list[str | None]:
    """The class of each word ("ADJ", "NOUN" or None), by the shipped part-of-speech tagger.

    An adjective is tagged ADJ in the frame "it is WORD ." (which makes "not WORD" English);
    a noun is tagged NOUN in at least ``majority`` of its uses in the longer texts of
    ``examples`` (up to ``contexts`` of them): a frame would call almost any word a noun.
    With ``nouns=False`` only adjectives are looked for (one tagger call, no pass over
    ``examples``).
    """
    if not words:
        return []
    from seqnlp.tagger.model import Tagger

    tagger = Tagger.load()
    framed = tagger.tag([f"it is {w} ." for w in words])
    adjectives = {w for w, t in zip(words, framed, strict=True) if len(t) == 4 and t[2][1] == "ADJ"}
    if not nouns:
        return ["ADJ" if w in adjectives else None for w in words]
    found = _tagged_nouns(tagger, set(words) - adjectives, examples, contexts, majority)
    return ["ADJ" if w in adjectives else "NOUN" if w in found else None for w in words]


def _tagged_nouns(
    tagger: Tagger,
    words: set[str],
    examples: Sequence[LabeledText],
    contexts: int,
    majority: float,
) -> set[str]:
    """The ``words`` tagged NOUN in at least ``majority`` of their first ``contexts`` uses
    in the texts of ``examples`` of five tokens or more."""
    uses: Counter = Counter()
    texts = []
    for e in examples:
        tokens = _tokens(e.text)
        found = words.intersection(tokens)
        if len(tokens) >= 5 and any(uses[w] < contexts for w in found):
            uses.update(found)
            texts.append(e.text)
    tags: dict[str, Counter] = defaultdict(Counter)
    for tagged in tagger.tag(texts):
        for token, upos, _xpos in tagged:
            if token.lower() in words:
                tags[token.lower()][upos] += 1
    return {w for w, c in tags.items() if c["NOUN"] >= majority * sum(c.values())}


def _flip(label: str, labels: Sequence[str]) -> str:
    return labels[1] if label == labels[0] else labels[0]


def negation_examples(
    words: Mapping[str, Mapping[str, str]],
    n: int,
    labels: Sequence[str],
    seed: int = 0,
    templates: Mapping[str, Sequence[str]] | None = None,
    flip: bool = True,
) -> list[LabeledText]:
    """``n`` (at most) distinct examples of ``templates`` (by word class, as ``words`` from
    :func:`polar_words`) filled with the words of that class, each with the word's label
    flipped (``flip=False`` keeps it, for double negations)."""
    templates = NEGATION_TEMPLATES_BY_CLASS if templates is None else templates
    rng = random.Random(seed)
    pool = [
        (template, word, polar[word])
        for cls, polar in sorted(words.items())
        for template in templates.get(cls, ())
        for word in sorted(polar)
    ]
    rng.shuffle(pool)
    out = []
    for template, word, label in pool[:n]:
        text = template.format(x=word)
        if word[0] in "aeiou":
            text = text.replace(" a " + word, " an " + word)
        out.append(LabeledText(text, _flip(label, labels) if flip else label))
    return out


# a phrase that starts or ends with one of these is a fragment, not a clause
_FRAGMENT_EDGES = frozenset(
    ", . ; : -- ... 's 're 've 'd 'll n't and or of to than as that which who with for in on "
    "at by from -lrb- -rrb- the a an is are was were be".split()
)


def contrast_examples(
    examples: Sequence[LabeledText],
    n: int,
    labels: Sequence[str],
    seed: int = 0,
    words: dict[str, str] | None = None,
    min_tokens: int = 3,
    max_tokens: int = 12,
) -> list[LabeledText]:
    """``n`` examples joining two phrases of opposite labels; the template says whose label.

    The phrases are examples of ``min_tokens``..``max_tokens`` tokens with no negator or
    contrast word of their own, not starting or ending like a fragment ("'s", "and",
    "of"...), and, when ``words`` (from :func:`polar_words`) is given, holding a polar word
    of their own label and none of the other.
    """
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = defaultdict(list)
    for e in examples:
        tokens = _tokens(e.text)
        while tokens and tokens[-1] in {".", "!", "?", ",", ";", ":", "..."}:
            tokens = tokens[:-1]
        if not min_tokens <= len(tokens) <= max_tokens:
            continue
        if tokens[0] in _FRAGMENT_EDGES or tokens[-1] in _FRAGMENT_EDGES:
            continue
        if NEGATORS.intersection(tokens) or CONTRASTS.intersection(tokens):
            continue
        if words is not None:
            polar = {words[t] for t in tokens if t in words}
            if polar != {e.label}:
                continue
        by_label[e.label].append(" ".join(tokens))
    if len(labels) != 2 or not all(by_label[label] for label in labels):
        return []
    for label in labels:
        by_label[label] = sorted(set(by_label[label]))
    out = []
    for _ in range(n):
        b_label = rng.choice(list(labels))
        a = rng.choice(by_label[_flip(b_label, labels)])
        b = rng.choice(by_label[b_label])
        template, _carrier = rng.choice(CONTRAST_TEMPLATES)
        out.append(LabeledText(template.format(a=a, b=b), b_label))
    return out


@dataclass(frozen=True)
class Augmentation:
    """How many negation and contrast examples :func:`negation_contrast_examples` adds to the
    training data, and in which shares (the rest join opposite phrases with but/although)."""

    n: int
    seed: int = 0
    negation_share: float = 0.5
    double_share: float = 0.0
    distant_share: float = 0.0
    # negate polar nouns too ("no flaws", "it is not without charm"); measured, not in the
    # recipe: the blind check list gains, SST-2 test loses (README, "Polar nouns")
    nouns: bool = False

    def examples(self, examples: Sequence[LabeledText]) -> list[LabeledText]:
        return negation_contrast_examples(
            examples,
            self.n,
            seed=self.seed,
            negation_share=self.negation_share,
            double_share=self.double_share,
            distant_share=self.distant_share,
            nouns=self.nouns,
        )


def negation_contrast_examples(
    examples: Sequence[LabeledText],
    n: int,
    seed: int = 0,
    negation_share: float = 0.5,
    word_class: Callable[[list[str]], list[str | None]] | None = None,
    double_share: float = 0.0,
    distant_share: float = 0.0,
    nouns: bool = False,
) -> list[LabeledText]:
    """About ``n`` augmented examples from ``examples`` (two labels).

    ``negation_share`` of them negate polar adjectives (and polar nouns, with ``nouns``),
    ``distant_share`` negate them from a few words away
    (:data:`DISTANT_NEGATION_TEMPLATES_BY_CLASS`), ``double_share`` put them under two
    negations (:data:`DOUBLE_NEGATION_TEMPLATES_BY_CLASS`, label kept); each draws from all
    its templates and words at random, fewer when they run out. The rest join opposite
    phrases holding polar adjectives. The same examples and seed give the same
    output. ``word_class`` is :func:`polar_words`'.
    """
    from seqnlp.sentiment.data import label_set

    labels = label_set(examples)
    if len(labels) != 2:
        raise ValueError(f"augmentation needs two labels, got {labels}")
    words = polar_words(
        examples, word_class=word_class, classes=("ADJ", "NOUN") if nouns else ("ADJ",)
    )
    negations = negation_examples(words, round(n * negation_share), labels, seed)
    if double_share:
        negations += negation_examples(
            words,
            round(n * double_share),
            labels,
            seed + 3,
            DOUBLE_NEGATION_TEMPLATES_BY_CLASS,
            flip=False,
        )
    if distant_share:
        negations += negation_examples(
            words, round(n * distant_share), labels, seed + 4, DISTANT_NEGATION_TEMPLATES_BY_CLASS
        )
    contrasts = contrast_examples(examples, n - len(negations), labels, seed + 1, words["ADJ"])
    return negations + contrasts


__all__ = [
    "CONTRAST_TEMPLATES",
    "DISTANT_NEGATION_TEMPLATES",
    "DISTANT_NEGATION_TEMPLATES_BY_CLASS",
    "DOUBLE_NEGATION_TEMPLATES",
    "DOUBLE_NEGATION_TEMPLATES_BY_CLASS",
    "NEGATION_TEMPLATES",
    "NEGATION_TEMPLATES_BY_CLASS",
    "NOUN_DISTANT_NEGATION_TEMPLATES",
    "NOUN_DOUBLE_NEGATION_TEMPLATES",
    "NOUN_NEGATION_TEMPLATES",
    "contrast_examples",
    "negation_contrast_examples",
    "negation_examples",
    "polar_words",
    "tagger_word_classes",
]
