"""dmp_survey.memory: the allocators' unused memory returned between stages."""

from __future__ import annotations

import sys

import pytest

from dmp_survey import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux-only")
def test_malloc_trim_is_found_on_linux():
    # Without it release() would silently do half its work on the platform
    # the large runs are measured on.
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert memory._malloc_trim() is not None


def test_release_returns_the_arrow_pool_memory(monkeypatch):
    import pyarrow as pa

    calls = []
    pool = pa.default_memory_pool()

    class Pool:
        def release_unused(self) -> None:
            calls.append("arrow")
            pool.release_unused()

    monkeypatch.setattr(pa, "default_memory_pool", lambda: Pool())
    memory.release()
    assert calls == ["arrow"]


def test_release_without_pyarrow_imported(monkeypatch):
    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)
    memory.release()  # no import, no error
    assert "pyarrow" not in sys.modules
