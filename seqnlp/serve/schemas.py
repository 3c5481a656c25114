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


# ---------------------------------------------------------------------------- answers
# For the schema only: the endpoints build plain JSON and return it as it is, because
# FastAPI's re-encoding of a nested answer costs more than tagging a short sentence.


class Token(BaseModel):
    word: str
    upos: str
    xpos: str


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


class Neighbour(BaseModel):
    word: str
    similarity: float


class Point(BaseModel):
    word: str
    x: float
    y: float


class SimilarResult(BaseModel):
    word: str
    neighbours: list[Neighbour]
    map: list[Point] | None = Field(None, description="The word, then its neighbours.")


class SimilarOut(BaseModel):
    results: list[SimilarResult]


class SimilarityResult(BaseModel):
    a: str
    b: str
    similarity: float
    distance: float


class SimilarityOut(BaseModel):
    results: list[SimilarityResult]


class Answer(BaseModel):
    word: str
    score: float


class AnalogyResult(BaseModel):
    a: str
    b: str
    c: str
    answers: list[Answer]


class AnalogyOut(BaseModel):
    results: list[AnalogyResult]


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
