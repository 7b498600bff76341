"""Process-wide set-up of the entry points."""

import subprocess
import sys

from nishabdham.process import limit_malloc_arenas


def test_malloc_arenas_are_capped_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True  # glibc on every machine this project runs on
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


_FRAGMENTED_HEAP = """
import sys
from nishabdham.process import release_free_memory

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

blocks = [bytes(1000) + bytes([i % 256]) for i in range(80_000)]  # 80 MB on the heap (not pymalloc's)
kept = blocks[::100]  # one block in a hundred stays: the heap cannot shrink from its top
del blocks
before = rss_mib()
released = release_free_memory() if sys.argv[1] == "release" else False
print(released, before - rss_mib())
"""


def test_free_heap_memory_goes_back_to_the_system():
    """What a job freed in the middle of the heap stays resident until the worker releases it."""

    def run(mode):
        out = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP, mode], capture_output=True, text=True, check=True)
        released, dropped = out.stdout.split()
        return released == "True", float(dropped)

    released, dropped = run("release")
    assert released and dropped > 40, dropped  # most of the 79 MB freed
    assert run("keep")[1] < 10
