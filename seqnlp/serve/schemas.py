"""What the endpoints read and answer: pydantic models (the OpenAPI schema) and the errors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

# ---------------------------------------------------------------------------- request bodies


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextsIn(_Strict):
    """One text or a batch of texts."""

    text: StrictStr | None = Field(None, examples=["I saw a saw."])
    texts: list[StrictStr] | None = Field(None, examples=[["I saw a saw.", "It was great."]])


class TagIn(TextsIn):
    conllu: bool = Field(False, description="Also return each text's sentences as CoNLL-U.")
    top_k: int = Field(
        0, ge=0, le=50, description="Also return each token's k likeliest UPOS and XPOS tags."
    )


class SimilarIn(_Strict):
    word: StrictStr | None = Field(None, examples=["france"])
    words: list[StrictStr] | None = None
    topn: int = Field(10, ge=1)
    map: bool = Field(False, description="Also return 2-D coordinates of the neighbourhood.")


class SimilarityIn(_Strict):
    a: StrictStr | None = Field(None, examples=["cat"])
    b: StrictStr | None = Field(None, examples=["dog"])
    pairs: list[Annotated[list[StrictStr], Field(min_length=2, max_length=2)]] | None = None


class AnalogyQuery(_Strict):
    a: StrictStr
    b: StrictStr
    c: StrictStr


class AnalogyIn(_Strict):
    a: StrictStr | None = Field(None, examples=["king"])
    b: StrictStr | None = Field(None, examples=["man"])
    c: StrictStr | None = Field(None, examples=["woman"])
    queries: list[AnalogyQuery] | None = None
    method: Literal["add", "mul"] = "add"
    topn: int = Field(10, ge=1)


class WordsQuery(_Strict):
    positive: list[StrictStr] | None = None
    negative: list[StrictStr] | None = None


class MostSimilarIn(WordsQuery):
    positive: list[StrictStr] | None = Field(None, examples=[["king", "woman"]])
    negative: list[StrictStr] | None = Field(None, examples=[["man"]])
    queries: list[WordsQuery] | None = None
    method: Literal["add", "mul"] = Field("add", description="add: 3CosAdd; mul: 3CosMul.")
    topn: int = Field(10, ge=1)


class DoesntMatchIn(_Strict):
    words: list[StrictStr] | None = Field(None, examples=[["breakfast", "cereal", "lunch"]])
    queries: list[list[StrictStr]] | None = None


class NSimilarityIn(_Strict):
    a: list[StrictStr] | None = Field(None, examples=[["sushi", "shop"]])
    b: list[StrictStr] | None = Field(None, examples=[["japanese", "restaurant"]])
    pairs: list[Annotated[list[list[StrictStr]], Field(min_length=2, max_length=2)]] | None = None


# ---------------------------------------------------------------------------- answers
# For the schema only: the endpoints build plain JSON and return it as it is, because
# FastAPI's re-encoding of a nested answer costs more than tagging a short sentence.


class Token(BaseModel):
    word: str
    upos: str
    xpos: str
    start: int | None = Field(description="The token is text[start:end] of its request text.")
    end: int | None
    upos_prob: float = Field(description="The probability the UPOS head gives this tag.")
    xpos_prob: float
    upos_top: list[tuple[str, float]] | None = Field(None, description="Only with top_k.")
    xpos_top: list[tuple[str, float]] | None = None


class TaggedSentence(BaseModel):
    text: str
    tokens: list[Token]


class TagResult(BaseModel):
    sentences: list[TaggedSentence]
    conllu: str | None = Field(None, description="Only when asked for (`conllu: true`).")


class TagOut(BaseModel):
    results: list[TagResult]


class TokenizeResult(BaseModel):
    sentences: list[list[str]]


class TokenizeOut(BaseModel):
    results: list[TokenizeResult]


class SentimentResult(BaseModel):
    label: str
    probability: float
    probabilities: dict[str, float]


class SentimentOut(BaseModel):
    results: list[SentimentResult]


class ItemError(BaseModel):
    code: str
    message: str


class _Item(BaseModel):
    error: ItemError | None = Field(
        None, description="In a batch, instead of the answer, for an item that failed."
    )


class Neighbour(BaseModel):
    word: str
    similarity: float


class Point(BaseModel):
    word: str
    x: float
    y: float


class SimilarResult(_Item):
    word: str
    neighbours: list[Neighbour] | None = None
    map: list[Point] | None = Field(None, description="The word, then its neighbours.")


class SimilarOut(BaseModel):
    results: list[SimilarResult]


class SimilarityResult(_Item):
    a: str
    b: str
    similarity: float | None = None
    distance: float | None = None


class SimilarityOut(BaseModel):
    results: list[SimilarityResult]


class Answer(BaseModel):
    word: str
    score: float


class AnalogyResult(_Item):
    a: str
    b: str
    c: str
    answers: list[Answer] | None = None


class AnalogyOut(BaseModel):
    results: list[AnalogyResult]


class MostSimilarResult(_Item):
    positive: list[str]
    negative: list[str]
    answers: list[Answer] | None = None


class MostSimilarOut(BaseModel):
    results: list[MostSimilarResult]


class DoesntMatchResult(_Item):
    words: list[str]
    answer: str | None = None


class DoesntMatchOut(BaseModel):
    results: list[DoesntMatchResult]


class NSimilarityResult(_Item):
    a: list[str]
    b: list[str]
    similarity: float | None = None


class NSimilarityOut(BaseModel):
    results: list[NSimilarityResult]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS = {
    400: {"model": ErrorOut, "description": "Invalid JSON or UTF-8"},
    408: {"model": ErrorOut, "description": "The body did not arrive in time"},
    413: {"model": ErrorOut, "description": "Body, text or batch over a limit"},
    415: {"model": ErrorOut, "description": "Not JSON"},
    422: {"model": ErrorOut, "description": "Wrong fields or types, empty text, unknown word"},
}
