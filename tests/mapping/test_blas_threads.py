"""single_blas_thread: one BLAS thread inside, the original count restored on leaving, from
the main thread and from a worker thread (map() runs in the API's thread pool)."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info

from taxonomy.mapping import single_blas_thread


def _blas_threads() -> list[int]:
    assert np.ones(1) @ np.ones(1) == 1.0  # numpy's BLAS is loaded
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _check(seen: list[tuple[list[int], list[int], list[int]]]) -> None:
    before = _blas_threads()
    with single_blas_thread():
        inside = _blas_threads()
        with single_blas_thread():  # re-entrant in one thread
            nested = _blas_threads()
    seen.append((before, inside, nested))
    seen.append((before, _blas_threads(), _blas_threads()))


def test_one_thread_inside_restored_after_in_main_and_worker_threads() -> None:
    seen: list[tuple[list[int], list[int], list[int]]] = []
    _check(seen)
    worker = threading.Thread(target=_check, args=(seen,))
    worker.start()
    worker.join(timeout=30)
    assert len(seen) == 4
    for (before, inside, nested), (_, after, _) in zip(seen[::2], seen[1::2], strict=True):
        assert before and inside == nested == [1] * len(before)
        assert after == before
