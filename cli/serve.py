"""``seqnlp serve``: the HTTP API and web page (:mod:`seqnlp.serve`) under uvicorn.

FastAPI and uvicorn are imported inside the command, so ``seqnlp --help`` never pays
for them.
"""

from __future__ import annotations

import os

import click

from seqnlp.serve.settings import ENV_SENTIMENT, ENV_SETTINGS, ENV_TAGGER, ENV_VECTORS, Settings

DEFAULTS = Settings()


def _model(kind: str):
    return click.option(
        f"--{kind}",
        type=click.Path(exists=True, file_okay=False),
        metavar="DIR",
        help=f"The {kind} model directory (default: the one shipped with seqnlp).",
    )


vectors_option = click.option(
    "--vectors",
    type=click.Path(exists=True),
    metavar="DIR|FILE",
    help="Word vectors: a seqnlp directory or a word2vec/GloVe/fastText file, read whole "
    "by each worker at start (`seqnlp vectors import` it once to open it in milliseconds). "
    "Default: the vectors shipped with seqnlp.",
)


def _check_free(host: str, port: int) -> None:
    """Fail in one line, before the models load, when the address is taken (uvicorn
    would only log it after start-up); uvicorn binds it again right after."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes, each with its own copy of the models.",
)
@_model("tagger")
@_model("sentiment")
@vectors_option
@click.option(
    "--max-body",
    default=DEFAULTS.max_body_bytes,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes (413 beyond, refused before it is read whole).",
)
@click.option(
    "--max-texts",
    default=DEFAULTS.max_texts,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most texts, words or queries in one request.",
)
@click.option(
    "--max-chars",
    default=DEFAULTS.max_chars,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most characters in one text.",
)
@click.option(
    "--body-timeout",
    default=DEFAULTS.body_timeout,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a client may take to send its body (408 beyond).",
)
@click.option(
    "--batch-window",
    default=DEFAULTS.batch_window * 1000,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Milliseconds a micro-batch waits for more requests (0: only what is waiting).",
)
@click.option(
    "--max-batch",
    default=DEFAULTS.max_batch,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most texts joined into one model call (1: requests are never joined).",
)
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
def serve(
    host,
    port,
    workers,
    tagger,
    sentiment,
    vectors,
    max_body,
    max_texts,
    max_chars,
    body_timeout,
    batch_window,
    max_batch,
    access_log,
):
    """Serve tagging, sentiment and word vectors over HTTP, with a web page at /.

    \b
      seqnlp serve                         http://127.0.0.1:8000/ (page), /v1/... (API)
      seqnlp serve --workers 2 --port 9000
      seqnlp serve --tagger my-tagger --host 0.0.0.0

    JSON endpoints: /v1/tokenize, /v1/tag, /v1/sentiment, /v1/similar,
    /v1/similarity, /v1/analogy, /v1/most_similar, /v1/doesnt_match,
    /v1/n_similarity; /health, /v1/info, and the schema at /openapi.json. Each
    worker loads the models once; requests that arrive together are tagged in one
    batch. In a batch, an item that fails (an unknown word) gets its own error.
    """
    # one BLAS thread per worker: an RNN step's small products gain nothing from more
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    settings = Settings(
        max_body_bytes=max_body,
        max_texts=max_texts,
        max_chars=max_chars,
        body_timeout=body_timeout,
        batch_window=batch_window / 1000,
        max_batch=max_batch,
    )
    _check_free(host, port)
    import uvicorn

    from seqnlp.serve.app import create_app
    from seqnlp.serve.models import Models

    # load here first: a bad model directory is a one-line error, not a worker's traceback
    models = Models.load(tagger, sentiment, vectors)
    options = {
        "host": host,
        "port": port,
        "timeout_keep_alive": 5,
        "access_log": access_log,
        "log_level": "info",
        "server_header": False,
    }
    click.echo(f"seqnlp {host}:{port}: page at /, API at /v1/, schema at /openapi.json", err=True)
    if workers == 1:
        uvicorn.run(create_app(models, settings), **options)
        return
    del models  # each worker loads its own copy
    os.environ.update(
        {
            ENV_TAGGER: tagger or "",
            ENV_SENTIMENT: sentiment or "",
            ENV_VECTORS: vectors or "",
            ENV_SETTINGS: settings.to_env(),
        }
    )
    uvicorn.run("seqnlp.serve.app:app_from_env", factory=True, workers=workers, **options)
