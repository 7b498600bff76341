"""Process-wide set-up shared by the entry points (command line, worker processes)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from functools import lru_cache

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # glibc's mallopt parameter number


@lru_cache(maxsize=1)
def _libc():
    """The C library, loaded once (None where there is none to load)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas before threads start; True when it took effect.

    glibc gives each thread that allocates its own arena and rarely hands freed arena memory
    back, so the decoding threads each keep a few hundred MB of their own. Measured on a
    60-minute recording with two decoding workers: peak RSS 1.46-1.57 GB with glibc's default
    (8 arenas per core), 1.28 GB with 2, at the same speed. ``MALLOC_ARENA_MAX`` in the
    environment wins, as glibc documents.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:  # not glibc (musl, macOS): nothing to tune
        return False
    done = bool(mallopt(_M_ARENA_MAX, arenas))
    log.debug("malloc arenas capped at %d: %s", arenas, done)
    return done


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc ``malloc_trim``); True when some were.

    A worker calls it after each job: what a job's decodes freed otherwise stays in the
    process, and its resident memory creeps up from job to job. Measured on a worker-like loop
    (the 15 dev clips and 5 again, one after another, the soak's settings): resident memory
    937-1118 MiB over the jobs without it, 879-901 MiB with it (bench/bench_worker_memory.py).
    """
    trim = getattr(_libc(), "malloc_trim", None)
    return bool(trim(0)) if trim is not None else False
