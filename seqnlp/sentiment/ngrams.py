"""The n-gram part of a classifier: TF-IDF over word 1-2-grams with a logistic regression,
fitted by scikit-learn and predicted in numpy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from seqnlp.errors import SeqnlpError
from seqnlp.layers.numpy_layers import softmax
from seqnlp.sentiment.augment import CONTRASTS, NEGATORS

# what ends a negator's scope: punctuation that closes a clause, or a contrast ("but")
SCOPE_ENDS = frozenset({".", ",", ";", ":", "!", "?"}) | CONTRASTS
NEGATED = "_NEG"


def mark_negation(tokens: Sequence[str]) -> list[str]:
    """``tokens`` with the words in a negator's scope suffixed ``_NEG`` (Das and Chen,
    2001): from a negator (:data:`~seqnlp.sentiment.augment.NEGATORS`) to the next
    punctuation or contrast word; a second negator in the scope ends it ("never not").

    A bag of n-grams otherwise reads "not bad" as "not" + "bad", and the review and tweet
    data teach that both words are negative; "bad_NEG" is a feature of its own.
    """
    marked, inside = [], False
    for token in tokens:
        if token in SCOPE_ENDS:
            inside = False
        elif token in NEGATORS:
            inside = not inside
        elif inside:
            token += NEGATED
        marked.append(token)
    return marked


class NgramModel:
    """TF-IDF over word 1-2-grams + logistic regression, the classic sentence classifier.

    scikit-learn fits it (:meth:`fit`); prediction runs on the stored vocabulary, idf and
    weights in numpy, so that a classifier that averages it with the recurrent network
    (``SentimentConfig.ngram_weight``) still predicts without scikit-learn or torch.
    It reads the tokens of :func:`to_example`, as the network does.

    Args:
        ngrams: the feature n-grams ("good", "not good"), in column order.
        idf: (features,) inverse document frequencies.
        coef: (labels, features) weights; intercept: (labels,) biases.
        negation: whether the tokens are read through :func:`mark_negation` first.
    """

    def __init__(
        self,
        ngrams: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        negation: bool = False,
    ) -> None:
        self.negation = negation
        self.ngrams = list(ngrams)
        self.index = {g: i for i, g in enumerate(self.ngrams)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)

    @classmethod
    def fit(
        cls,
        token_lists: Sequence[Sequence[str]],
        label_ids: Sequence[int],
        num_labels: int,
        c: float = 3.0,
        min_df: int = 2,
        max_features: int | None = None,
        negation: bool = False,
    ) -> NgramModel:
        """Fit with scikit-learn (``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)``
        and ``LogisticRegression(C=c)``) on tokenised texts and label ids 0..num_labels-1;
        ``max_features`` keeps the most frequent n-grams (a model file of a few MB);
        ``negation`` marks negated words first (:func:`mark_negation`)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            min_df=min_df,
            max_features=max_features,
        )
        read = mark_negation if negation else list
        matrix = vectorizer.fit_transform([" ".join(read(tokens)) for tokens in token_lists])
        model = LogisticRegression(C=c, max_iter=2000).fit(matrix, list(label_ids))
        if list(model.classes_) != list(range(num_labels)):
            raise SeqnlpError(f"every label needs training examples, got {model.classes_}")
        coef, intercept = model.coef_, model.intercept_
        if num_labels == 2:  # one weight vector for p(label 1): as logits [0, z]
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.array([0.0, intercept[0]])
        ngrams = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        return cls(ngrams, vectorizer.idf_, coef, intercept, negation)

    def scores(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        """(texts, labels) logits; a text without known n-grams gets the intercept.

        All texts at once: (text, column) pairs -> sublinear tf * idf -> l2 norm per text ->
        weighted sums per label with ``np.bincount``, as scikit-learn's sparse product.
        """
        index = self.index
        rows: list[int] = []
        columns: list[int] = []
        count = 0
        for row, tokens in enumerate(token_lists):
            count += 1
            if self.negation:
                tokens = mark_negation(tokens)
            grams = [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))]
            found = [index[g] for g in grams if g in index]
            rows.extend([row] * len(found))
            columns.extend(found)
        out = np.tile(self.intercept, (count, 1))
        if not columns:
            return out
        features = len(self.ngrams)
        pairs, tf = np.unique(
            np.asarray(rows, dtype=np.int64) * features + np.asarray(columns), return_counts=True
        )
        row, column = pairs // features, pairs % features
        x = (1.0 + np.log(tf)) * self.idf[column]
        x /= np.sqrt(np.bincount(row, weights=x * x, minlength=count))[row]
        for label in range(len(self.intercept)):
            out[:, label] += np.bincount(row, weights=x * self.coef[label, column], minlength=count)
        return out

    def probabilities(self, token_lists: Iterable[Sequence[str]]) -> np.ndarray:
        return softmax(self.scores(token_lists))

    def tensors(self) -> dict[str, np.ndarray]:
        return {
            "ngrams.idf": self.idf,
            "ngrams.coef": self.coef,
            "ngrams.intercept": self.intercept,
        }
