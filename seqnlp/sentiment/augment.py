"""Negation and contrast augmentation for sentiment training data.

SST's phrase-level labels teach a network what "bad" and "a tedious mess" mean, but hardly
ever what "not bad" or "a tedious start, but a moving film" mean. These functions build
extra labelled examples from the training data itself, with a few fixed templates:

* negation: a clearly polar adjective (see :func:`polar_words`) put under a negator
  ("it is n't bad .", "never bad", "i do n't think it 's bad .") takes the opposite label;
  under two negations ("i would n't say it is n't bad .") it keeps its label (optional);
* subjects: the same polar adjectives after the subjects the training texts themselves
  describe most ("the food was n't bad .", "the staff were kind ."), negated or plain, so
  that negation is learnt beyond film and a subject alone ("the staff were") carries no
  label (optional, :func:`subject_phrases`);
* contrast: two training phrases of opposite labels joined by "but", "although", "though",
  "even though" or "while" take the label of the clause that carries the sentence ("A , but
  B" and "although A , B" and "B , although A" take B's).

Everything is drawn from the examples given (never from an evaluation set); the output uses
SST's lower-cased, PTB-tokenised convention, as :func:`seqnlp.sentiment.data.to_example` reads it.
It plugs into training by concatenation::

    examples = sst2 phrases + sentences
    train(examples + negation_contrast_examples(examples, 12000), dev, config, ...)
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seqnlp.corpus import LabeledText
from seqnlp.errors import DataError

NEGATORS = frozenset({"not", "n't", "no", "never", "nothing", "hardly", "nobody", "none", "nor"})
CONTRASTS = frozenset({"but", "although", "though", "however", "despite", "yet", "while"})
# words -> "ADJ" or None for each: which polar words a template can put under a negator
WordClass = Callable[[list[str]], list[str | None]]

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

# {s}: a subject of the training texts with its verb ("the food was", subject_phrases), {x}: a
# polar adjective. Negated ones take the opposite label of x, double negations and plain
# ones keep it.
SUBJECT_NEGATION_TEMPLATES = (
    "{s} not {x} .",
    "{s} n't {x} .",
    "{s} never {x} .",
    "{s} not {x} at all .",
    "{s} not very {x} .",
    "{s} not that {x} .",
    "honestly , {s} not {x} .",
    "{s} certainly not {x} .",
)
SUBJECT_DISTANT_TEMPLATES = (
    "i do n't think {s} {x} .",
    "nobody i know thought {s} {x} .",
    "i would not say {s} {x} .",
    "i never felt {s} {x} .",
)
SUBJECT_DOUBLE_TEMPLATES = (
    "i would n't say {s} n't {x} .",
    "nobody could say {s} n't {x} .",
    "no one would deny {s} {x} .",
)
SUBJECT_PLAIN_TEMPLATES = (
    "{s} {x} .",
    "{s} very {x} .",
    "{s} really {x} .",
    "{s} so {x} !",
    "honestly , {s} {x} .",
)
_BE = frozenset({"is", "was", "are", "were"})

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
    word_class: WordClass | None = None,
    min_count: int = 3,
    agreement: float = 0.8,
) -> dict[str, str]:
    """The adjectives that are clearly positive or clearly negative in ``examples``:
    ``{word: label}``.

    A word qualifies when it is a one-word example with label L, and of the short examples
    (two or three tokens, no negator) that contain it at least ``min_count`` carry a label
    and at least ``agreement`` of them carry L. ``word_class`` keeps the words a template
    can put under a negator as English (those it calls "ADJ"); None asks the shipped
    part-of-speech tagger (:func:`tagger_adjectives`).
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
    found = (word_class or tagger_adjectives)(candidates)
    return {w: words[w] for w, cls in zip(candidates, found, strict=True) if cls == "ADJ"}


def subject_phrases(
    examples: Sequence[LabeledText],
    n: int,
    word_class: WordClass | None = None,
    min_count: int = 5,
) -> list[str]:
    """The ``n`` subjects that ``examples`` describe most, with their verb: "the food was",
    "the staff were" (each form seen ``min_count`` times at least), most frequent first.

    A subject is a noun (``word_class`` calls it "NOUN"; None asks the shipped tagger,
    :func:`tagger_nouns`) that is never a one-word example: a word labelled on its own
    ("the best is") carries sentiment and is no neutral subject.
    """
    single, counts = set(), Counter()
    for e in examples:
        tokens = _tokens(e.text)
        if len(tokens) == 1:
            single.add(tokens[0])
        for i in range(len(tokens) - 2):
            if tokens[i] == "the" and tokens[i + 1].isalpha() and tokens[i + 2] in _BE:
                counts[tokens[i + 1], tokens[i + 2]] += 1
    frequent = [
        pair for pair, c in counts.most_common() if c >= min_count and pair[0] not in single
    ]
    nouns = sorted({word for word, _ in frequent})
    found = dict(zip(nouns, (word_class or tagger_nouns)(nouns), strict=True))
    return [f"the {word} {verb}" for word, verb in frequent if found[word] == "NOUN"][:n]


def _tagger_classes(frame: str, position: int, tag: str, words: list[str]) -> list[str | None]:
    """``tag`` for each word the shipped part-of-speech tagger tags so at ``position`` of
    ``frame`` (filled with the word), else None.

    The tagger is loaded by its kind through the task registry, as any user loads a model:
    this package reads its answers and never imports its code (the two tasks are siblings).
    """
    if not words:
        return []
    from seqnlp.tasks import TASKS

    framed = TASKS["tagger"].load().predict([frame.format(w) for w in words])
    size = len(frame.split())
    return [tag if len(t) == size and t[position][1] == tag else None for t in framed]


def tagger_adjectives(words: list[str]) -> list[str | None]:
    """ "ADJ" for each word the shipped tagger tags ADJ in the frame "it is WORD ." (which
    makes "not WORD" English), else None."""
    return _tagger_classes("it is {} .", 2, "ADJ", words)


def tagger_nouns(words: list[str]) -> list[str | None]:
    """ "NOUN" for each word the shipped tagger tags NOUN in "the WORD was good .", else
    None."""
    return _tagger_classes("the {} was good .", 1, "NOUN", words)


def _flip(label: str, labels: Sequence[str]) -> str:
    return labels[1] if label == labels[0] else labels[0]


def negation_examples(
    words: Mapping[str, str],
    n: int,
    labels: Sequence[str],
    seed: int = 0,
    templates: Sequence[str] = NEGATION_TEMPLATES,
    flip: bool = True,
    subjects: Sequence[str] = (),
) -> list[LabeledText]:
    """``n`` (at most) distinct examples of ``templates`` filled with the polar ``words``
    (``{word: label}``, as from :func:`polar_words`), each with the word's label flipped
    (``flip=False`` keeps it, for double negations and plain examples); a template's
    ``{s}`` takes one of ``subjects`` at random (templates with ``{s}`` need some)."""
    rng = random.Random(seed)
    pool = [(template, word, words[word]) for template in templates for word in sorted(words)]
    rng.shuffle(pool)
    out = []
    for template, word, label in pool[:n]:
        subject = rng.choice(subjects) if "{s}" in template else ""
        text = template.format(x=word, s=subject)
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
    training data, and in which shares (the rest join opposite phrases with but/although);
    ``subjects``: how many of the data's own subjects the templates also speak of (0: film
    templates only)."""

    n: int
    seed: int = 0
    negation_share: float = 0.5
    double_share: float = 0.0
    distant_share: float = 0.0
    subjects: int = 0
    plain_share: float = 0.0

    def examples(
        self,
        examples: Sequence[LabeledText],
        word_class: WordClass | None = None,
        noun_class: WordClass | None = None,
    ) -> list[LabeledText]:
        return negation_contrast_examples(
            examples,
            self.n,
            seed=self.seed,
            negation_share=self.negation_share,
            word_class=word_class,
            double_share=self.double_share,
            distant_share=self.distant_share,
            subjects=self.subjects,
            plain_share=self.plain_share,
            noun_class=noun_class,
        )


def negation_contrast_examples(
    examples: Sequence[LabeledText],
    n: int,
    seed: int = 0,
    negation_share: float = 0.5,
    word_class: WordClass | None = None,
    double_share: float = 0.0,
    distant_share: float = 0.0,
    subjects: int = 0,
    plain_share: float = 0.0,
    noun_class: WordClass | None = None,
) -> list[LabeledText]:
    """About ``n`` augmented examples from ``examples`` (two labels).

    ``negation_share`` of them negate polar adjectives, ``distant_share`` negate them from a
    few words away (:data:`DISTANT_NEGATION_TEMPLATES`), ``double_share`` put them under two
    negations (:data:`DOUBLE_NEGATION_TEMPLATES`, label kept); each draws from all its
    templates and words at random, fewer when they run out. With ``subjects``, the
    ``subjects`` most frequent subjects of ``examples`` (:func:`subject_phrases`, whose
    ``word_class`` is ``noun_class``) join those templates (``SUBJECT_*_TEMPLATES``), and
    ``plain_share`` put polar adjectives after them unnegated (label kept). The rest join
    opposite phrases holding polar adjectives. The same examples and seed give the same
    output. ``word_class`` is :func:`polar_words`'.
    """
    from seqnlp.sentiment.data import label_set

    labels = label_set(examples)
    if len(labels) != 2:
        raise DataError(
            "negation and contrast examples (--augment) need two labels, as a negation turns "
            f"one into the other; the training data has {len(labels)}: {', '.join(labels)}"
        )
    words = polar_words(examples, word_class=word_class)
    said = subject_phrases(examples, subjects, noun_class) if subjects else []

    def made(
        share: float,
        seed_offset: int,
        templates: tuple[str, ...],
        of_subject: tuple[str, ...],
        **kw: Any,
    ) -> list[LabeledText]:
        chosen = templates + (of_subject if said else ())  # each family with its subject forms
        return negation_examples(
            words, round(n * share), labels, seed + seed_offset, chosen, subjects=said, **kw
        )

    negations = made(negation_share, 0, NEGATION_TEMPLATES, SUBJECT_NEGATION_TEMPLATES)
    if double_share:
        negations += made(
            double_share, 3, DOUBLE_NEGATION_TEMPLATES, SUBJECT_DOUBLE_TEMPLATES, flip=False
        )
    if distant_share:
        negations += made(distant_share, 4, DISTANT_NEGATION_TEMPLATES, SUBJECT_DISTANT_TEMPLATES)
    if plain_share and said:
        negations += made(plain_share, 5, (), SUBJECT_PLAIN_TEMPLATES, flip=False)
    contrasts = contrast_examples(examples, n - len(negations), labels, seed + 1, words)
    return negations + contrasts


__all__ = [
    "CONTRASTS",
    "CONTRAST_TEMPLATES",
    "DISTANT_NEGATION_TEMPLATES",
    "DOUBLE_NEGATION_TEMPLATES",
    "NEGATION_TEMPLATES",
    "NEGATORS",
    "SUBJECT_DISTANT_TEMPLATES",
    "SUBJECT_DOUBLE_TEMPLATES",
    "SUBJECT_NEGATION_TEMPLATES",
    "SUBJECT_PLAIN_TEMPLATES",
    "Augmentation",
    "contrast_examples",
    "negation_contrast_examples",
    "negation_examples",
    "polar_words",
    "subject_phrases",
    "tagger_adjectives",
    "tagger_nouns",
]
