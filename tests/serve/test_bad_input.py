"""Bad input against a real server: every case is a JSON error with a 4xx status, never a
500 or a traceback, and the server keeps answering other clients meanwhile."""

from __future__ import annotations

import json
import select
import socket
import threading
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ENDPOINTS = [
    "tokenize",
    "tag",
    "sentiment",
    "similar",
    "similarity",
    "analogy",
    "most_similar",
    "doesnt_match",
    "n_similarity",
]


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message"} and "Traceback" not in error["message"]
    return error


def raw_request(server, head: bytes, body: bytes = b"", timeout: float = 10.0) -> tuple[int, dict]:
    """Send bytes as they are (a client httpx would not be) and read the answer: its
    headers, then ``Content-Length`` bytes (the server may keep the connection open a
    while to drain a refused body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.split(b"\r\n\r\n", 1)[1])


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 62  # no length: read until the server closes


def post_head(path: str, length: int | None, extra: str = "") -> bytes:
    size = "" if length is None else f"Content-Length: {length}\r\n"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{size}{extra}\r\n"
    ).encode()


def test_invalid_json(client):
    for body in (b'{"text": "a"', b"not json", b'{"text": "a",}'):
        response = client.post(
            "/v1/tag", content=body, headers={"content-type": "application/json"}
        )
        assert error_of(response, 400)["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("tag", {"text": 3}),
        ("tag", {"texts": "one string"}),
        ("tag", {"texts": ["ok", 5]}),
        ("tag", ["a", "list"]),
        ("tag", "a string"),
        ("tag", {"text": "x", "conllu": "yes please"}),
        ("tag", {"txt": "a typo"}),
        ("sentiment", {"text": {"nested": "object"}}),
        ("similar", {"word": "cat", "topn": "ten"}),
        ("similar", {"word": "cat", "topn": 0}),
        ("similarity", {"pairs": [["cat"]]}),
        ("analogy", {"a": "king", "b": "man", "c": "woman", "method": "div"}),
        ("analogy", {"queries": [{"a": "king", "b": "man"}]}),
    ],
)
def test_wrong_types(client, path, body):
    error = error_of(client.post(f"/v1/{path}", json=body), 422)
    assert error["code"] == "invalid_request" and error["details"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("tag", {}),
        ("tag", {"text": None}),
        ("tag", {"text": "a", "texts": ["b"]}),
        ("tag", {"texts": []}),
        ("similar", {"topn": 3}),
        ("similarity", {"a": "cat"}),
        ("analogy", {"a": "king", "b": "man"}),
    ],
)
def test_missing_fields(client, path, body):
    assert error_of(client.post(f"/v1/{path}", json=body), 422)["code"] == "invalid_request"


@pytest.mark.parametrize("path", ["tokenize", "tag", "sentiment"])
def test_empty_and_whitespace_texts(client, path):
    assert error_of(client.post(f"/v1/{path}", json={"text": ""}), 422)["code"] == "empty_text"
    error = error_of(client.post(f"/v1/{path}", json={"texts": ["fine", " \n\t "]}), 422)
    assert error["code"] == "empty_text" and "texts[1]" in error["message"]
    error = error_of(client.post("/v1/similar", json={"word": "  "}), 422)
    assert error["code"] == "empty_text" and error["message"] == "word is empty"
    error = error_of(
        client.post("/v1/analogy", json={"queries": [{"a": "x", "b": "", "c": "y"}]}), 422
    )
    assert error["message"] == "queries[0].b is empty"


def test_a_10_mb_body_is_refused_from_its_length_before_it_is_sent(server):
    start = time.monotonic()
    status, body = raw_request(server, post_head("/v1/tag", 10_000_000), b'{"texts": ["')
    assert status == 413 and body["error"]["code"] == "body_too_large"
    assert "10,000,000" in body["error"]["message"]
    assert time.monotonic() - start < 1.0  # answered at once, not after a body timeout


def test_a_streamed_body_is_refused_once_it_passes_the_limit(server):
    """Chunked, with no Content-Length: the server counts bytes as they come, answers 413
    once they pass the limit, and drops the rest unread, so the client that keeps
    sending still reads the answer."""
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(post_head("/v1/tag", None, "Transfer-Encoding: chunked\r\n"))
        answered_at = None
        for sent in range(0, 10_000_000, len(chunk)):
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if answered_at is None and select.select([s], [], [], 0)[0]:
                answered_at = sent
        s.sendall(b"0\r\n\r\n")
        data = b""
        while part := s.recv(65536):
            data += part
    # answered while the client was still sending (kernel buffers hold a few MB in flight)
    assert answered_at is not None and answered_at < 8_000_000
    assert data.startswith(b"HTTP/1.1 413"), data[:200]
    assert b'"body_too_large"' in data


def test_a_real_10_mb_post_gets_413_not_a_reset(server, client):
    """The server answers 413 from Content-Length at once, then reads and drops the rest
    of the body, so a client that sends it all before reading gets the answer: closing
    with unread bytes made the kernel reset the connection (issue #30 A.10)."""
    body = json.dumps({"texts": ["word " * 1000] * 2000}).encode()
    assert len(body) > 10_000_000
    for _ in range(3):
        status, answer = raw_request(server, post_head("/v1/tag", len(body)), body)
        assert status == 413 and answer["error"]["code"] == "body_too_large"
    response = client.post("/v1/tag", content=body, headers={"content-type": "application/json"})
    assert error_of(response, 413)["code"] == "body_too_large"


def test_100_continue_gets_413_without_the_body(server):
    """curl sends ``Expect: 100-continue`` for big bodies and waits: the 413 comes at once,
    never a 100 Continue that would invite the body."""
    head = post_head("/v1/tag", 10_000_000, "Expect: 100-continue\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(head)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 413") and b"100 Continue" not in data, data[:200]


def test_100000_texts_in_one_request(client):
    error = error_of(client.post("/v1/tag", json={"texts": ["a"] * 100_000}), 413)
    assert error["code"] == "too_many_items" and "1,000" in error["message"]
    error = error_of(client.post("/v1/similar", json={"words": ["cat"] * 5000}), 413)
    assert error["code"] == "too_many_items"


def test_one_text_too_long(client):
    error = error_of(client.post("/v1/sentiment", json={"text": "good " * 5000}), 413)
    assert error["code"] == "text_too_long" and "20,000" in error["message"]


def test_invalid_utf8_and_lone_surrogates(server, client):
    response = client.post(
        "/v1/tag",
        content=b'{"text": "caf\xe9 au lait"}',
        headers={"content-type": "application/json"},
    )
    error = error_of(response, 400)
    assert error["code"] == "invalid_utf8" and "byte 13" in error["message"]
    response = client.post(
        "/v1/tag", content=b'{"text": "a \\ud800 b"}', headers={"content-type": "application/json"}
    )
    assert error_of(response, 422)["code"] == "invalid_text"


def test_not_json_content_type(client):
    response = client.post("/v1/tag", data={"text": "I saw a saw"})
    assert error_of(response, 415)["code"] == "unsupported_media_type"


def test_unknown_words_name_close_spellings(client):
    error = error_of(client.post("/v1/similar", json={"word": "fraance"}), 422)
    assert error["code"] == "unknown_word" and error["word"] == "fraance"
    assert "france" in error["suggestions"]
    body = {"a": "king", "b": "qwzxv", "c": "woman"}
    assert error_of(client.post("/v1/analogy", json=body), 422)["code"] == "unknown_word"
    body = {"a": "cat", "b": "dgo"}
    assert error_of(client.post("/v1/similarity", json=body), 422)["code"] == "unknown_word"
    # the tagger and the classifier take unknown words in their stride
    tags = client.post("/v1/tag", json={"text": "The qwzxv glorped."}).json()
    assert len(tags["results"][0]["sentences"][0]["tokens"]) == 4


def test_limits_on_topn_and_words(client):
    error = error_of(client.post("/v1/similar", json={"word": "cat", "topn": 10_000}), 422)
    assert "topn is at most 100" in error["message"]
    error = error_of(client.post("/v1/similar", json={"word": "two words"}), 422)
    assert error["code"] == "invalid_word"
    body = {"a": "king", "b": "king", "c": "woman"}
    assert error_of(client.post("/v1/analogy", json=body), 422)["code"] == "invalid_request"


def test_unknown_paths_and_methods(client):
    assert error_of(client.get("/v1/nothing"), 404)["code"] == "not_found"
    assert error_of(client.get("/v1/tag"), 405)["code"] == "method_not_allowed"
    assert error_of(client.post("/v1/tag/../../etc/passwd", json={}), 404)["code"] == "not_found"


def test_a_slow_client_gets_408_while_others_are_answered(server, client):
    """Headers and part of a body, then silence: the server gives up on it after
    --body-timeout (1.5 s here) and meanwhile answers everyone else."""
    answer: dict = {}

    def slow() -> None:
        start = time.monotonic()
        answer["status"], answer["body"] = raw_request(
            server, post_head("/v1/tag", 100), b'{"text": "I saw', timeout=30
        )
        answer["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    for _ in range(5):
        start = time.monotonic()
        assert client.post("/v1/tag", json={"text": "I saw a saw"}).status_code == 200
        assert time.monotonic() - start < 1.0
    thread.join(timeout=30)
    assert answer["status"] == 408 and answer["body"]["error"]["code"] == "body_timeout"
    assert 1.4 < answer["seconds"] < 10


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["text", "texts", "word", "words", "a", "b", "c", "pairs", "queries", "topn", "positive"]
    + ["negative"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(ENDPOINTS), body=JSON | st.dictionaries(FIELDS, JSON, max_size=4))
def test_any_json_is_answered_without_a_server_error(client, path, body):
    response = client.post(f"/v1/{path}", json=body)
    assert response.status_code in (200, 400, 413, 422), response.text
    if response.status_code != 200:
        error_of(response, response.status_code)


def test_the_server_is_still_well_after_all_that(server, client):
    assert client.get("/health").json() == {"status": "ok"}
    assert server.process.poll() is None
    assert "Traceback" not in server.output()
