"""The checks every request goes through before a model sees it, and the shape of the
answers: one result per item, a batch's failed items answered with their own error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse

from seqnlp.serve.guard import ApiError, error_body
from seqnlp.serve.models import SeqnlpError, UnknownWordError
from seqnlp.serve.schemas import TextsIn
from seqnlp.serve.settings import Settings


def as_results(items: list) -> JSONResponse:
    return JSONResponse({"results": items})


# ---------------------------------------------------------------------------- checks


def one_or_many(one: Any, many: list | None, one_name: str, many_name: str, limit: int) -> list:
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


def check_texts(body: TextsIn, settings: Settings) -> list[str]:
    texts = one_or_many(body.text, body.texts, "text", "texts", settings.max_texts)
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


def check_word(word: str, where: str, settings: Settings) -> str:
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


def check_topn(topn: int, settings: Settings) -> int:
    if topn > settings.max_topn:
        raise ApiError(422, "invalid_request", f"topn is at most {settings.max_topn}, got {topn}")
    return topn


def _item_error(exc: SeqnlpError) -> dict[str, Any]:
    """The ``error`` of one item of a batch that failed, as a whole request's would read."""
    if isinstance(exc, UnknownWordError):
        return error_body(
            "unknown_word", str(exc), word=exc.word, suggestions=list(exc.suggestions)
        )["error"]
    return error_body("invalid_request", " ".join(str(exc).split()))["error"]


def answer_each(
    queries: list[dict[str, Any]], compute: Callable[[dict], dict], batch: bool
) -> JSONResponse:
    """``compute`` each (checked) query. In a batch a query that fails (an unknown word)
    gets its own ``error`` and the others their answers, as the CLI's ``--input`` does; a
    single query's failure is the request's."""
    results = []
    for query in queries:
        try:
            results.append({**query, **compute(query)})
        except SeqnlpError as exc:
            if not batch:
                raise
            results.append({**query, "error": _item_error(exc)})
    return as_results(results)


def check_words(
    words: list[str], where: str, settings: Settings, required: bool = True
) -> list[str]:
    if required and not words:
        raise ApiError(422, "invalid_request", f"{where} is empty")
    return [check_word(w, f"{where}[{i}]", settings) for i, w in enumerate(words)]
