"""Giving freed memory back to the system between the stages of a run.

A large export is read, coded, counted and written in stages, each building
large arrays and letting them go. The allocators keep what was freed for
their next allocation rather than return it: Arrow's memory pool (mimalloc
or jemalloc) and glibc's malloc (whose heap and arenas only shrink on
``malloc_trim``). Measured on 10^7 respondents: after the coding stage the
process held 1.67 GB for 0.5 GB of coded answers; returning the pools' unused
memory brought it to 0.71 GB, and the later stages' peaks down with it.
Neither allocator offers a Python-level call for glibc's trim, hence ctypes.

:func:`release` is cheap on a small run (the pools are small) and does
nothing where the calls do not exist (another C library, pyarrow not
imported).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable

__all__ = ["release"]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release() -> None:
    """Return the memory the allocators hold unused to the system."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
