"""``seqnlp serve``: an HTTP API and a web page over the shipped (or given) models.

This package owns the server and nothing else:

- :mod:`seqnlp.serve.models`: the one adapter between the server and the seqnlp library
  (loading models, tagging, sentiment, vector queries); every other module here talks to
  the library only through it.
- :mod:`seqnlp.serve.batching`: a micro-batcher that joins requests arriving together into
  one batched numpy call, run off the event loop.
- :mod:`seqnlp.serve.app`: the ASGI application (FastAPI): JSON endpoints, limits, errors.
- ``static/``: the web page served at ``/`` (plain HTML, CSS and JS; no CDN).

Inference is numpy: the server never imports torch (``GET /v1/info`` says so).
"""
