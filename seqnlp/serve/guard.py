"""The body guard: an ASGI layer that reads each request body before FastAPI does, refusing
one too large (413, from ``Content-Length`` or as soon as the streamed bytes pass the limit),
too slow (408) or not UTF-8 (400), with the JSON error every endpoint answers.

A refused body that is still arriving is read and thrown away after the answer is sent (as
nginx's lingering close does): closing a socket with unread bytes makes the kernel reset
the connection, and the client then loses the 413 it was about to read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

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
                drain = receive if headers.get(b"expect", b"").lower() != b"100-continue" else None
                return await self._too_large(send, f"the body is {int(length):,} bytes", drain)
        try:
            body = await asyncio.wait_for(self._read(receive), self.timeout)
        except TimeoutError:
            return await self._refuse(
                send,
                408,
                "body_timeout",
                f"the request body did not arrive within {self.timeout:g} s",
            )
        except _Disconnected:
            return None
        except _TooLarge:
            return await self._too_large(send, "the body is longer", receive)
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

    async def _too_large(self, send: Callable, what: str, drain: Callable | None) -> None:
        """413; with ``drain`` (the request's receive), the rest of the body is read and
        dropped for up to the body timeout before the connection closes. Not with
        ``Expect: 100-continue``: that client waits for the answer and sends nothing."""
        message = f"{what}; the limit is {self.max_bytes:,} bytes"
        await self._refuse(send, 413, "body_too_large", message, drain=drain)

    async def _discard(self, receive: Callable) -> None:
        """Read and drop the rest of a refused body until it ends or the timeout passes."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                return

    async def _refuse(
        self,
        send: Callable,
        status: int,
        code: str,
        message: str,
        drain: Callable | None = None,
    ) -> None:
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
        if drain is None:
            await send({"type": "http.response.body", "body": body})
            return
        # the whole answer goes out now; the response ends (and the server closes) only
        # once the body is drained, since the ASGI server stops reading when it ends
        await send({"type": "http.response.body", "body": body, "more_body": True})
        try:
            await asyncio.wait_for(self._discard(drain), self.timeout)
        except TimeoutError:
            pass
        await send({"type": "http.response.body", "body": b""})
