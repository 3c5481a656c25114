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
from seqnlp.serve.checks import (
    answer_each,
    as_results,
    check_texts,
    check_topn,
    check_word,
    check_words,
    one_or_many,
)
from seqnlp.serve.guard import ApiError, BodyGuard, error_response
from seqnlp.serve.models import Models, SeqnlpError, UnknownWordError, __version__
from seqnlp.serve.schemas import (
    ERRORS,
    AnalogyIn,
    AnalogyOut,
    DoesntMatchIn,
    DoesntMatchOut,
    MostSimilarIn,
    MostSimilarOut,
    NSimilarityIn,
    NSimilarityOut,
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
        '`pairs`, `queries`); the answer is always `{"results": [...]}`, one per item. In a '
        "batch, an item that fails (an unknown word) gets its own `error` and the others "
        "their answers.",
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
    @app.api_route(
        "/health",
        methods=["GET", "HEAD"],
        tags=["service"],
        summary="Liveness: the models are loaded.",
    )
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
        texts = check_texts(body, settings)
        return as_results([{"sentences": s} for s in models.tokenize(texts)])

    @app.post(
        "/v1/tag",
        tags=["text"],
        summary="UPOS and Penn XPOS tags, optionally CoNLL-U.",
        response_model=TagOut,
        responses=ERRORS,
    )
    async def tag(body: TagIn) -> JSONResponse:
        texts = check_texts(body, settings)
        tagged = await tag_batcher.submit([(text, body.top_k) for text in texts])
        results, sent_id = [], 1
        for sentences in tagged:
            result: dict[str, Any] = {
                "sentences": [{"text": s.text, "tokens": s.tokens_out} for s in sentences]
            }
            if body.conllu:
                result["conllu"] = models.conllu(sentences, sent_id)
            sent_id += len(sentences)
            results.append(result)
        return as_results(results)

    @app.post(
        "/v1/sentiment",
        tags=["text"],
        summary="Sentiment label and probabilities.",
        response_model=SentimentOut,
        responses=ERRORS,
    )
    async def sentiment(body: TextsIn) -> JSONResponse:
        texts = check_texts(body, settings)
        return as_results(await sentiment_batcher.submit(texts))

    # ------------------------------------------------------------------ vectors
    @app.post(
        "/v1/similar",
        tags=["vectors"],
        summary="Nearest neighbours of words.",
        response_model=SimilarOut,
        responses=ERRORS,
    )
    def similar(body: SimilarIn) -> JSONResponse:
        words = one_or_many(body.word, body.words, "word", "words", settings.max_texts)
        words = [
            check_word(w, "word" if body.words is None else f"words[{i}]", settings)
            for i, w in enumerate(words)
        ]
        topn = check_topn(body.topn, settings)

        def compute(query: dict) -> dict:
            neighbours = models.similar(query["word"], topn)
            result: dict[str, Any] = {
                "neighbours": [{"word": w, "similarity": s} for w, s in neighbours]
            }
            if body.map:
                names = [query["word"]] + [w for w, _ in neighbours]
                result["map"] = [
                    {"word": w, "x": x, "y": y}
                    for w, (x, y) in zip(names, models.word_map(names), strict=True)
                ]
            return result

        return answer_each([{"word": w} for w in words], compute, body.words is not None)

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
        pairs = one_or_many(one, body.pairs, "a/b", "pairs", settings.max_texts)
        queries = []
        for i, (a, b) in enumerate(pairs):
            where = ("a", "b") if body.pairs is None else (f"pairs[{i}][0]", f"pairs[{i}][1]")
            queries.append(
                {"a": check_word(a, where[0], settings), "b": check_word(b, where[1], settings)}
            )
        return answer_each(
            queries, lambda q: models.similarity(q["a"], q["b"]), body.pairs is not None
        )

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
        queries = one_or_many(
            one, None if body.queries is None else [[q.a, q.b, q.c] for q in body.queries],
            "a/b/c", "queries", settings.max_texts,
        )  # fmt: skip
        topn = check_topn(body.topn, settings)
        checked = []
        for i, words in enumerate(queries):
            prefix = "" if body.queries is None else f"queries[{i}]."
            checked.append(
                {k: check_word(w, prefix + k, settings) for w, k in zip(words, "abc", strict=True)}
            )

        def compute(q: dict) -> dict:
            answers = models.analogy(q["a"], q["b"], q["c"], body.method, topn)
            return {"answers": [{"word": w, "score": s} for w, s in answers]}

        return answer_each(checked, compute, body.queries is not None)

    @app.post(
        "/v1/most_similar",
        tags=["vectors"],
        summary="Nearest the positive words, away from the negative ones (gensim's verb).",
        response_model=MostSimilarOut,
        responses=ERRORS,
    )
    def most_similar(body: MostSimilarIn) -> JSONResponse:
        one = None if body.positive is None and body.negative is None else body
        queries = one_or_many(one, body.queries, "positive/negative", "queries", settings.max_texts)
        checked = []
        for i, q in enumerate(queries):
            prefix = "" if body.queries is None else f"queries[{i}]."
            positive, negative = q.positive or [], q.negative or []
            if not positive and not negative:
                raise ApiError(422, "invalid_request", f"{prefix}positive is empty")
            checked.append(
                {
                    "positive": check_words(
                        positive, f"{prefix}positive", settings, required=False
                    ),
                    "negative": check_words(
                        negative, f"{prefix}negative", settings, required=False
                    ),
                }
            )
        topn = check_topn(body.topn, settings)

        def compute(q: dict) -> dict:
            found = models.most_similar(q["positive"], q["negative"], body.method, topn)
            return {"answers": [{"word": w, "score": s} for w, s in found]}

        return answer_each(checked, compute, body.queries is not None)

    @app.post(
        "/v1/doesnt_match",
        tags=["vectors"],
        summary="The word that does not belong with the others (gensim's doesnt_match).",
        response_model=DoesntMatchOut,
        responses=ERRORS,
    )
    def doesnt_match(body: DoesntMatchIn) -> JSONResponse:
        sets = one_or_many(body.words, body.queries, "words", "queries", settings.max_texts)
        checked = [
            {
                "words": check_words(
                    words, "words" if body.queries is None else f"queries[{i}]", settings
                )
            }
            for i, words in enumerate(sets)
        ]
        return answer_each(
            checked, lambda q: {"answer": models.doesnt_match(q["words"])}, body.queries is not None
        )

    @app.post(
        "/v1/n_similarity",
        tags=["vectors"],
        summary="Cosine similarity of two sets of words (gensim's n_similarity).",
        response_model=NSimilarityOut,
        responses=ERRORS,
    )
    def n_similarity(body: NSimilarityIn) -> JSONResponse:
        one = None if body.a is None and body.b is None else [body.a, body.b]
        if one is not None and None in one:
            raise ApiError(422, "invalid_request", "give both 'a' and 'b'")
        pairs = one_or_many(one, body.pairs, "a/b", "pairs", settings.max_texts)
        checked = []
        for i, (a, b) in enumerate(pairs):
            where = ("a", "b") if body.pairs is None else (f"pairs[{i}][0]", f"pairs[{i}][1]")
            checked.append(
                {"a": check_words(a, where[0], settings), "b": check_words(b, where[1], settings)}
            )
        return answer_each(
            checked,
            lambda q: {"similarity": models.n_similarity(q["a"], q["b"])},
            body.pairs is not None,
        )

    # ------------------------------------------------------------------ the page
    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
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
