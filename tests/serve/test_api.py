"""The JSON API against a real server process: every endpoint, one item and a batch."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

import httpx
import pytest

import seqnlp
from seqnlp.embeddings import WordVectors
from tests.serve.conftest import start_server, stop_server
from tests.serve.test_bad_input import ENDPOINTS

TEXTS = ["I saw a saw.", "She can't come, Mr. Smith. It's late.", "The new film is great!"]


def test_health(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_info_lists_the_models_and_no_torch_in_the_server(client):
    info = client.get("/v1/info").json()
    assert info["torch_imported"] is False
    assert set(info["models"]) == {"tagger", "sentiment", "vectors"}
    assert info["models"]["sentiment"]["labels"] == ["negative", "positive"]
    assert info["models"]["vectors"]["words"] == 30000
    assert info["limits"]["max_texts"] == 1000
    assert info["rss_bytes"] > 10_000_000


def test_openapi_schema_names_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ENDPOINTS:
        assert f"/v1/{path}" in paths and "post" in paths[f"/v1/{path}"]
    assert "/health" in paths and "/v1/info" in paths


def test_tokenize(client):
    one = client.post("/v1/tokenize", json={"text": "I can't come. Mr. Smith is here."})
    assert one.status_code == 200
    assert one.json() == {
        "results": [
            {"sentences": [["I", "ca", "n't", "come", "."], ["Mr.", "Smith", "is", "here", "."]]}
        ]
    }
    many = client.post("/v1/tokenize", json={"texts": TEXTS}).json()["results"]
    assert len(many) == 3 and many[0]["sentences"] == [["I", "saw", "a", "saw", "."]]


def test_tag_one_text(client):
    result = client.post("/v1/tag", json={"text": "I saw a saw"}).json()["results"]
    tokens = result[0]["sentences"][0]["tokens"]
    assert [(t["word"], t["upos"]) for t in tokens] == [
        ("I", "PRON"),
        ("saw", "VERB"),
        ("a", "DET"),
        ("saw", "NOUN"),
    ]
    assert tokens[1]["xpos"] == "VBD" and "conllu" not in result[0]


def test_tag_offsets_probabilities_and_top_k(client):
    """Each token's characters in its request text, its tags' probabilities and, when
    asked, the top-k tags: as Tagger.annotate gives them (issue #30 B.2, B.3)."""
    text = "Cafe\u0301 au lait. I saw a saw."
    body = {"texts": [text, "Time flies."], "top_k": 2}
    results = client.post("/v1/tag", json=body).json()["results"]
    expected = seqnlp.load_tagger().annotate([text, "Time flies."], top_k=2)
    got = [[t for s in r["sentences"] for t in s["tokens"]] for r in results]
    assert got == [[json.loads(json.dumps(t.to_dict())) for t in text] for text in expected]
    assert [text[t["start"] : t["end"]] for t in got[0][:2]] == ["Cafe\u0301", "au"]
    plain = client.post("/v1/tag", json={"text": text}).json()["results"][0]
    token = plain["sentences"][0]["tokens"][0]
    assert "upos_top" not in token and 0 < token["upos_prob"] <= 1


def test_tag_batch_matches_the_library(client):
    results = client.post("/v1/tag", json={"texts": TEXTS}).json()["results"]
    expected = seqnlp.load_tagger().tag(TEXTS)
    got = [
        [(t["word"], t["upos"], t["xpos"]) for s in r["sentences"] for t in s["tokens"]]
        for r in results
    ]
    assert got == [[tuple(t) for t in text] for text in expected]
    assert [s["text"] for s in results[1]["sentences"]] == [
        "She can't come, Mr. Smith.",
        "It's late.",
    ]


def test_tag_conllu_numbers_sentences_across_the_request(client):
    results = client.post("/v1/tag", json={"texts": TEXTS, "conllu": True}).json()["results"]
    document = "".join(r["conllu"] for r in results)
    assert [line for line in document.splitlines() if line.startswith("# sent_id")] == [
        f"# sent_id = {i}" for i in range(1, 5)
    ]
    first = results[0]["conllu"].splitlines()
    assert first[1] == "# text = I saw a saw."
    assert first[2].split("\t") == ["1", "I", "_", "PRON", "PRP", "_", "_", "_", "_", "_"]
    assert first[5].split("\t")[9] == "SpaceAfter=No"  # "saw" before "."


def test_sentiment_matches_the_library(client):
    texts = ["a gripping, funny film", "It wasn't GOOD.", "dull and far too long"]
    results = client.post("/v1/sentiment", json={"texts": texts}).json()["results"]
    expected = seqnlp.load_classifier().predict(texts)
    assert [r["label"] for r in results] == [p.label for p in expected]
    for r, p in zip(results, expected, strict=True):
        assert r["probability"] == pytest.approx(p.probability, abs=1e-6)
        assert sum(r["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    one = client.post("/v1/sentiment", json={"text": "a gripping, funny film"}).json()
    assert one["results"][0]["label"] == "positive"


@pytest.fixture(scope="module")
def vectors():
    return WordVectors.load()


def test_similar_one_and_batch_with_a_map(client, vectors):
    one = client.post("/v1/similar", json={"word": "France", "topn": 5}).json()["results"][0]
    assert [n["word"] for n in one["neighbours"]] == [w for w, _ in vectors.similar("france", 5)]
    assert "map" not in one
    many = client.post("/v1/similar", json={"words": ["paris", "cat"], "topn": 3, "map": True})
    results = many.json()["results"]
    assert [r["word"] for r in results] == ["paris", "cat"]
    points = results[0]["map"]
    assert [p["word"] for p in points] == ["paris"] + [n["word"] for n in results[0]["neighbours"]]
    assert all(-1 <= p["x"] <= 1 and -1 <= p["y"] <= 1 for p in points)


def test_similarity_one_and_batch(client, vectors):
    one = client.post("/v1/similarity", json={"a": "cat", "b": "dog"}).json()["results"][0]
    assert one["similarity"] == pytest.approx(vectors.similarity("cat", "dog"), abs=1e-6)
    assert one["distance"] == pytest.approx(vectors.distance("cat", "dog"), abs=1e-4)
    many = client.post("/v1/similarity", json={"pairs": [["cat", "dog"], ["king", "queen"]]})
    assert [(r["a"], r["b"]) for r in many.json()["results"]] == [("cat", "dog"), ("king", "queen")]


def test_analogy_add_mul_and_batch(client, vectors):
    for method in ("add", "mul"):
        body = {"a": "king", "b": "man", "c": "woman", "method": method, "topn": 3}
        answers = client.post("/v1/analogy", json=body).json()["results"][0]["answers"]
        expected = vectors.analogy("king", "man", "woman", method=method, topn=3)
        assert [a["word"] for a in answers] == [w for w, _ in expected]
    body = {"a": "king", "b": "man", "c": "woman"}
    assert (
        client.post("/v1/analogy", json=body).json()["results"][0]["answers"][0]["word"] == "queen"
    )
    queries = [{"a": "king", "b": "man", "c": "woman"}, {"a": "paris", "b": "france", "c": "italy"}]
    results = client.post("/v1/analogy", json={"queries": queries, "topn": 1}).json()["results"]
    expected = vectors.analogy("paris", "france", "italy", topn=1)[0][0]
    assert [r["answers"][0]["word"] for r in results] == ["queen", expected]


def test_one_unknown_word_does_not_fail_a_batch(client, vectors):
    """Each item of a batch is answered, a failed one with its own error, as the CLI's
    --input answers each line; a single query still fails with 422 (issue #30 A.10)."""
    body = {"words": ["paris", "fraance", "cat"], "topn": 3}
    response = client.post("/v1/similar", json=body)
    assert response.status_code == 200, response.text
    paris, bad, cat = response.json()["results"]
    assert [n["word"] for n in paris["neighbours"]] == [w for w, _ in vectors.similar("paris", 3)]
    assert bad["word"] == "fraance" and "neighbours" not in bad
    assert bad["error"]["code"] == "unknown_word" and "france" in bad["error"]["suggestions"]
    assert cat["neighbours"] and "error" not in cat
    pairs = {"pairs": [["cat", "dgo"], ["cat", "dog"]]}
    first, second = client.post("/v1/similarity", json=pairs).json()["results"]
    assert first["error"]["word"] == "dgo" and second["similarity"] > 0.5
    queries = [{"a": "king", "b": "king", "c": "woman"}, {"a": "king", "b": "man", "c": "woman"}]
    first, second = client.post("/v1/analogy", json={"queries": queries}).json()["results"]
    assert (
        first["error"]["code"] == "invalid_request"
        and "three different" in first["error"]["message"]
    )
    assert second["answers"][0]["word"] == "queen"


def test_head_answers_like_get(client):
    for path in ("/", "/health"):
        response = client.head(path)
        assert response.status_code == 200 and response.content == b"", path


def test_gensim_query_verbs(client, vectors):
    """most_similar with several positive and negative words, doesnt_match and
    n_similarity, one query and a batch, as the library answers them (issue #30 B.4)."""
    for method in ("add", "mul"):
        body = {"positive": ["paris", "italy", "man"], "negative": ["france"], "topn": 3}
        answers = client.post("/v1/most_similar", json={**body, "method": method})
        expected = vectors.most_similar(["paris", "italy", "man"], ["france"], 3, method)
        assert [a["word"] for a in answers.json()["results"][0]["answers"]] == [
            w for w, _ in expected
        ]
    queries = [{"positive": ["king", "woman"], "negative": ["man"]}, {"positive": ["qwzx"]}]
    first, second = client.post("/v1/most_similar", json={"queries": queries}).json()["results"]
    assert first["answers"][0]["word"] == "queen" and second["error"]["code"] == "unknown_word"

    words = ["breakfast", "cereal", "dinner", "lunch"]
    one = client.post("/v1/doesnt_match", json={"words": words}).json()["results"][0]
    assert one == {"words": words, "answer": vectors.doesnt_match(words)}
    many = client.post("/v1/doesnt_match", json={"queries": [words, ["cat", "dog", "paris"]]})
    assert [r["answer"] for r in many.json()["results"]] == [
        vectors.doesnt_match(words),
        vectors.doesnt_match(["cat", "dog", "paris"]),
    ]

    body = {"a": ["sushi", "shop"], "b": ["japanese", "restaurant"]}
    one = client.post("/v1/n_similarity", json=body).json()["results"][0]
    assert one["similarity"] == pytest.approx(
        vectors.n_similarity(["sushi", "shop"], ["japanese", "restaurant"]), abs=1e-6
    )
    pairs = {"pairs": [[["cat"], ["dog", "mouse"]], [["cat"], []]]}
    assert client.post("/v1/n_similarity", json=pairs).status_code == 422  # an empty set


def test_concurrent_requests_are_batched_and_answered_in_order(server, client):
    before = client.get("/v1/info").json()["batches"]["tagger"]
    texts = [f"I saw {n} saws." for n in range(48)]

    async def go():
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
            return await asyncio.gather(*(c.post("/v1/tag", json={"text": t}) for t in texts))

    responses = asyncio.run(go())
    assert all(r.status_code == 200 for r in responses)
    words = [r.json()["results"][0]["sentences"][0]["tokens"][2]["word"] for r in responses]
    assert words == [str(n) for n in range(48)]
    after = client.get("/v1/info").json()["batches"]["tagger"]
    assert after["texts"] - before["texts"] == 48
    assert after["calls"] - before["calls"] < 48  # some requests shared a model call


def test_page_and_static_files_come_from_the_server_alone(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
        text = asset.text.replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text  # no CDN: works offline
    assert "http://" not in page.text and "https://" not in page.text


def test_help_does_not_import_the_server_stack():
    code = (
        "import sys\n"
        "from seqnlp.cli import main\n"
        "for args in (['--help'], ['serve', '--help']):\n"
        "    try:\n"
        "        main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--workers" in done.stdout and "serve" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_bad_model_directory_is_a_one_line_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "seqnlp", "serve", "--tagger", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in done.stderr


def test_two_workers_each_load_the_models_and_answer(tmp_path):
    server = start_server(tmp_path / "server.log", "--workers", "2")
    try:
        pids = set()
        for _ in range(20):
            with httpx.Client(base_url=server.url, timeout=30) as c:  # a new connection each time
                info = c.get("/v1/info").json()
                pids.add(info["pid"])
                assert info["torch_imported"] is False
                tags = c.post("/v1/tag", json={"text": "I saw a saw"}).json()
                assert tags["results"][0]["sentences"][0]["tokens"][3]["upos"] == "NOUN"
    finally:
        stop_server(server)
    log = server.output()
    workers = {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", log)}
    assert len(workers) == 2 and log.count("Application startup complete") == 2
    assert server.process.pid not in workers and pids <= workers
    assert "Traceback" not in log


def test_a_taken_port_is_a_one_line_error(server):
    done = subprocess.run(
        [sys.executable, "-m", "seqnlp", "serve", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"Error: cannot listen on 127.0.0.1:{server.port}: Address already in use"
    )


def test_vectors_from_a_word2vec_file(tmp_path, tiny):
    """`serve --vectors` takes a file as every query command does (it took only a
    directory, while the README said DIR|FILE: issue #30 A.11)."""
    path = tiny.export(tmp_path / "tiny.txt")
    server = start_server(tmp_path / "server.log", "--vectors", str(path))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            result = c.post("/v1/similar", json={"word": "paris", "topn": 1}).json()["results"]
            assert result[0]["neighbours"][0]["word"] == "rome"
            assert c.get("/v1/info").json()["models"]["vectors"]["words"] == len(tiny)
    finally:
        stop_server(server)
