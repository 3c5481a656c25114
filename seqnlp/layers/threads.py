"""One BLAS thread for prediction: the one home of that setting, for the command line (an
environment default, before numpy loads) and for library calls (a block's limit).

Why: the products of prediction are small (a batch of 256 by a few hundred units); a second
BLAS thread buys little on an idle machine and, on a busy 2-core one, made prediction 5x
slower (OpenBLAS threads spin waiting for a core). This module imports no numpy.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def default_one_blas_thread() -> None:
    """One BLAS thread unless the environment says otherwise; it works only before numpy
    is imported (the CLI calls it first thing; server workers inherit it)."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def one_blas_thread() -> Any:
    """A context in which numpy's matrix products run on one thread, for a library caller
    whose numpy is already loaded. threadpoolctl comes with scikit-learn; without it
    nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
