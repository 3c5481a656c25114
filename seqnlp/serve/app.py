"""The ASGI application: JSON endpoints over the models, the web page, limits and errors.

Every error is answered as ``{"error": {"code": ..., "message": ...}}`` with a 4xx status
(5xx only for a bug, and never with a traceback). Bodies are read by :class:`BodyGuard`
before FastAPI sees them: too large (413, refused from ``Content-Length`` before reading,
or as soon as the streamed bytes pass the limit), too slow (408), not UTF-8 (400).
No endpoint takes a path: the models are chosen when the server starts.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from seqnlp.serve.batching import MicroBatcher
from seqnlp.serve.models import Models, SeqnlpError, UnknownWordError, __version__
from seqnlp.serve.settings import ENV_SENTIMENT, ENV_TAGGER, ENV_VECTORS, Settings

log = logging.getLogger("seqnlp")

STATIC = Path(__file__).parent / "static"
# The page loads nothing from elsewhere: it works offline, and the browser enforces it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class ApiError(Exception):
    """An answer with a 4xx status: ``{"error": {"code", "message", **extra}}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status)


# ---------------------------------------------------------------------------- body guard


class _Disconnected(Exception):
    pass


class _TooLarge(Exception):
    pass


class BodyGuard:
    """Read each request body under a size limit and a deadline, then replay it to the app.

    Pure ASGI (no BaseHTTPMiddleware) so that a refused body is never buffered: a
    ``Content-Length`` over the limit is answered at once, a streamed (chunked) body as soon
    as its bytes pass the limit, and a client that stops sending gets 408.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type", b"application/json").split(b";")[0].strip().lower()
        if kind != b"application/json" and not kind.endswith(b"+json"):
            return await self._refuse(
                send,
                415,
                "unsupported_media_type",
                f"send JSON with Content-Type: application/json, not {kind.decode('latin-1')}",
            )
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return await self._refuse(send, 400, "bad_request", "invalid Content-Length")
            if int(length) > self.max_bytes:
                return await self._too_large(send, f"the body is {int(length):,} bytes")
        try:
            body = await asyncio.wait_for(self._read(receive), self.timeout)
        except asyncio.TimeoutError:  # not the built-in TimeoutError before Python 3.11
            return await self._refuse(
                send,
                408,
                "body_timeout",
                f"the request body did not arrive within {self.timeout:g} s",
            )
        except _Disconnected:
            return None
        except _TooLarge:
            return await self._too_large(send, "the body is longer")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return await self._refuse(
                send, 400, "invalid_utf8", f"the body is not valid UTF-8 (byte {exc.start})"
            )
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _read(self, receive: Callable) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Callable, what: str) -> None:
        message = f"{what}; the limit is {self.max_bytes:,} bytes"
        await self._refuse(send, 413, "body_too_large", message)

    @staticmethod
    async def _refuse(send: Callable, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message), separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


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


def _results(items: list) -> JSONResponse:
    return JSONResponse({"results": items})


# ---------------------------------------------------------------------------- checks


def _one_or_many(one: Any, many: list | None, one_name: str, many_name: str, limit: int) -> list:
    if (one is None) == (many is None):
        raise ApiError(422, "invalid_request", f"give exactly one of '{one_name}' or '{many_name}'")
    items = [one] if many is None else many
    if not items:
        raise ApiError(422, "invalid_request", f"'{many_name}' is empty")
    if len(items) > limit:
        raise ApiError(
            413,
            "too_many_items",
            f"{len(items):,} {many_name} in one request; the limit is {limit:,}",
        )
    return items


def _check_unicode(value: str, where: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            422, "invalid_text", f"{where} is not valid Unicode (it holds a lone surrogate)"
        ) from None


def _texts(body: TextsIn, settings: Settings) -> list[str]:
    texts = _one_or_many(body.text, body.texts, "text", "texts", settings.max_texts)
    for i, text in enumerate(texts):
        where = "text" if body.texts is None else f"texts[{i}]"
        if not text.strip():
            raise ApiError(422, "empty_text", f"{where} is empty")
        if len(text) > settings.max_chars:
            raise ApiError(
                413,
                "text_too_long",
                f"{where} has {len(text):,} characters; the limit is {settings.max_chars:,}",
            )
        _check_unicode(text, where)
    return texts


def _word(word: str, where: str, settings: Settings) -> str:
    word = word.strip()
    if not word:
        raise ApiError(422, "empty_text", f"{where} is empty")
    if len(word) > settings.max_word_chars or len(word.split()) > 1:
        raise ApiError(
            422,
            "invalid_word",
            f"{where} must be one word of at most {settings.max_word_chars} characters",
        )
    _check_unicode(word, where)
    return word


def _topn(topn: int, settings: Settings) -> int:
    if topn > settings.max_topn:
        raise ApiError(422, "invalid_request", f"topn is at most {settings.max_topn}, got {topn}")
    return topn


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------- the app


def create_app(models: Models, settings: Settings | None = None) -> FastAPI:
    """The server over ``models``: one app per worker process."""
    settings = settings or Settings()
    # the models' many long-lived objects need never be scanned again by the collector
    gc.freeze()
    tag_batcher = MicroBatcher(
        models.tag, max_items=settings.max_batch, window=settings.batch_window, name="tagger"
    )
    sentiment_batcher = MicroBatcher(
        models.sentiment,
        max_items=settings.max_batch,
        window=settings.batch_window,
        name="sentiment",
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        tag_batcher.close()
        sentiment_batcher.close()

    app = FastAPI(
        title="seqnlp",
        version=__version__,
        summary="Tokenizing, part-of-speech tags, sentiment and word vectors over HTTP.",
        description='Every error is `{"error": {"code": ..., "message": ...}}` with a '
        "4xx status. Send one item (`text`, `word`, `a`/`b`...) or a batch (`texts`, `words`, "
        '`pairs`, `queries`); the answer is always `{"results": [...]}`, one per item.',
        docs_url=None,  # Swagger UI comes from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.models = models
    app.state.settings = settings

    # ------------------------------------------------------------------ errors
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @app.exception_handler(UnknownWordError)
    async def _unknown_word(request: Request, exc: UnknownWordError) -> JSONResponse:
        return error_response(
            422, "unknown_word", str(exc), word=exc.word, suggestions=list(exc.suggestions)
        )

    @app.exception_handler(SeqnlpError)
    async def _seqnlp_error(request: Request, exc: SeqnlpError) -> JSONResponse:
        return error_response(422, "invalid_request", " ".join(str(exc).split()))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        for e in errors:
            if e.get("type") == "json_invalid":
                where = e.get("loc", ("body", "?"))[-1]
                reason = (e.get("ctx") or {}).get("error", "JSON decode error")
                return error_response(
                    400, "invalid_json", f"the body is not valid JSON: {reason} at {where}"
                )
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
                "message": e.get("msg", ""),
            }
            for e in errors
        ]
        first = details[0] if details else {"field": "body", "message": "invalid"}
        return error_response(
            422, "invalid_request", f"{first['field']}: {first['message']}", details=details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        return error_response(
            exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail)
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", "internal server error (logged)")

    # ------------------------------------------------------------------ service
    @app.get("/health", tags=["service"], summary="Liveness: the models are loaded.")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/v1/info", tags=["service"], summary="The loaded models, limits and process.")
    async def info() -> dict:
        return {
            **models.info(),
            "pid": os.getpid(),
            "rss_bytes": _rss_bytes(),
            "python": sys.version.split()[0],
            "limits": settings.__dict__,
            "batches": {
                "tagger": {"calls": tag_batcher.calls, "texts": tag_batcher.items},
                "sentiment": {"calls": sentiment_batcher.calls, "texts": sentiment_batcher.items},
            },
        }

    # ------------------------------------------------------------------ text
    @app.post(
        "/v1/tokenize",
        tags=["text"],
        summary="Split texts into sentences and tokens.",
        response_model=TokenizeOut,
        responses=ERRORS,
    )
    def tokenize(body: TextsIn) -> JSONResponse:
        texts = _texts(body, settings)
        return _results([{"sentences": s} for s in models.tokenize(texts)])

    @app.post(
        "/v1/tag",
        tags=["text"],
        summary="UPOS and Penn XPOS tags, optionally CoNLL-U.",
        response_model=TagOut,
        responses=ERRORS,
    )
    async def tag(body: TagIn) -> JSONResponse:
        texts = _texts(body, settings)
        tagged = await tag_batcher.submit(texts)
        results, sent_id = [], 1
        for sentences in tagged:
            result: dict[str, Any] = {
                "sentences": [
                    {
                        "text": s.text,
                        "tokens": [
                            {"word": w, "upos": u, "xpos": x}
                            for w, u, x in zip(s.tokens, s.upos, s.xpos, strict=True)
                        ],
                    }
                    for s in sentences
                ]
            }
            if body.conllu:
                result["conllu"] = models.conllu(sentences, sent_id)
            sent_id += len(sentences)
            results.append(result)
        return _results(results)

    @app.post(
        "/v1/sentiment",
        tags=["text"],
        summary="Sentiment label and probabilities.",
        response_model=SentimentOut,
        responses=ERRORS,
    )
    async def sentiment(body: TextsIn) -> JSONResponse:
        texts = _texts(body, settings)
        return _results(await sentiment_batcher.submit(texts))

    # ------------------------------------------------------------------ vectors
    @app.post(
        "/v1/similar",
        tags=["vectors"],
        summary="Nearest neighbours of words.",
        response_model=SimilarOut,
        responses=ERRORS,
    )
    def similar(body: SimilarIn) -> JSONResponse:
        words = _one_or_many(body.word, body.words, "word", "words", settings.max_texts)
        words = [
            _word(w, "word" if body.words is None else f"words[{i}]", settings)
            for i, w in enumerate(words)
        ]
        topn = _topn(body.topn, settings)
        results = []
        for word in words:
            neighbours = models.similar(word, topn)
            result: dict[str, Any] = {
                "word": word,
                "neighbours": [{"word": w, "similarity": s} for w, s in neighbours],
            }
            if body.map:
                names = [word] + [w for w, _ in neighbours]
                result["map"] = [
                    {"word": w, "x": x, "y": y}
                    for w, (x, y) in zip(names, models.word_map(names), strict=True)
                ]
            results.append(result)
        return _results(results)

    @app.post(
        "/v1/similarity",
        tags=["vectors"],
        summary="Cosine similarity and distance.",
        response_model=SimilarityOut,
        responses=ERRORS,
    )
    def similarity(body: SimilarityIn) -> JSONResponse:
        one = None if body.a is None and body.b is None else [body.a, body.b]
        if one is not None and None in one:
            raise ApiError(422, "invalid_request", "give both 'a' and 'b'")
        pairs = _one_or_many(one, body.pairs, "a/b", "pairs", settings.max_texts)
        results = []
        for i, (a, b) in enumerate(pairs):
            where = ("a", "b") if body.pairs is None else (f"pairs[{i}][0]", f"pairs[{i}][1]")
            a, b = _word(a, where[0], settings), _word(b, where[1], settings)
            results.append({"a": a, "b": b, **models.similarity(a, b)})
        return _results(results)

    @app.post(
        "/v1/analogy",
        tags=["vectors"],
        summary="a - b + c (king - man + woman).",
        response_model=AnalogyOut,
        responses=ERRORS,
    )
    def analogy(body: AnalogyIn) -> JSONResponse:
        given = [body.a, body.b, body.c]
        one = None if given == [None, None, None] else given
        if one is not None and None in one:
            raise ApiError(422, "invalid_request", "give all three of 'a', 'b' and 'c'")
        queries = _one_or_many(
            one, None if body.queries is None else [[q.a, q.b, q.c] for q in body.queries],
            "a/b/c", "queries", settings.max_texts,
        )  # fmt: skip
        topn = _topn(body.topn, settings)
        results = []
        for i, words in enumerate(queries):
            prefix = "" if body.queries is None else f"queries[{i}]."
            a, b, c = (_word(w, prefix + k, settings) for w, k in zip(words, "abc", strict=True))
            answers = models.analogy(a, b, c, body.method, topn)
            results.append(
                {
                    "a": a,
                    "b": b,
                    "c": c,
                    "answers": [{"word": w, "score": s} for w, s in answers],
                }
            )
        return _results(results)

    # ------------------------------------------------------------------ the page
    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"content-security-policy": PAGE_POLICY})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # outermost, so that no body reaches FastAPI unchecked
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
    return app


def app_from_env() -> FastAPI:
    """The app factory of a ``seqnlp serve --workers N`` worker: choices from the env."""
    models = Models.load(
        os.environ.get(ENV_TAGGER) or None,
        os.environ.get(ENV_SENTIMENT) or None,
        os.environ.get(ENV_VECTORS) or None,
    )
    return create_app(models, Settings.from_env())
