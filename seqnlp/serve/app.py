"""The ASGI application: JSON endpoints over the models, the web page, limits and errors.

Every error is answered as ``{"error": {"code": ..., "message": ...}}`` with a 4xx status
(5xx only for a bug, and never with a traceback). Bodies are read by :class:`BodyGuard`
before FastAPI sees them: too large (413, refused from ``Content-Length`` before reading,
or as soon as the streamed bytes pass the limit), too slow (408), not UTF-8 (400).
No endpoint takes a path: the models are chosen when the server starts.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from seqnlp.serve.batching import MicroBatcher
from seqnlp.serve.guard import ApiError, BodyGuard, error_response
from seqnlp.serve.models import Models, SeqnlpError, UnknownWordError, __version__
from seqnlp.serve.schemas import (
    ERRORS,
    AnalogyIn,
    AnalogyOut,
    SentimentOut,
    SimilarIn,
    SimilarityIn,
    SimilarityOut,
    SimilarOut,
    TagIn,
    TagOut,
    TextsIn,
    TokenizeOut,
)
from seqnlp.serve.settings import ENV_SENTIMENT, ENV_TAGGER, ENV_VECTORS, Settings

log = logging.getLogger("seqnlp")

STATIC = Path(__file__).parent / "static"
# The page loads nothing from elsewhere: it works offline, and the browser enforces it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


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
