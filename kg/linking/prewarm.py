"""Building the ``candidates`` linker's index cache in a child process, beside other start-up work.

A first build on a machine (caches cold) spends about 25 s building the candidate index and its
TF-IDF indexes (:mod:`kg.linking.index_cache`, :mod:`kg.linking.tfidf`), and as long again loading
the curated seeds. Both are single-threaded Python, so on a machine with a second core they can run
at once: :func:`start_index_warm` starts a child process (``spawn``) that builds and caches the
index, and the run loads its seeds meanwhile; the linker then loads the warm cache (a second or two).
Nothing of a document goes to the child: it reads only the packaged terminology and writes only the
cache files (each written under a temporary name and renamed, so a reader never sees half a file).
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.process import BaseProcess

from kg.artifacts import default_cache_dir
from kg.hashing import file_sha256
from kg.linking import index_cache
from kg.linking.candidates import packaged_candidate_index
from kg.logs import get_logger
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH

log = get_logger(__name__)


def index_is_cached(terminology: str | None = None) -> bool | None:
    """Whether the candidate index of ``terminology`` (default: the packaged one) is cached.

    None when caching is off (``MEDKG_CACHE_DIR=off``): nothing to warm.
    """
    cache_dir = default_cache_dir()
    if cache_dir is None:
        return None
    path = terminology or str(DEFAULT_TERMINOLOGY_PATH)
    return index_cache.cache_path(cache_dir, file_sha256(path)).is_file()


def build_index_cache(terminology: str | None = None) -> None:
    """Build the candidate index of ``terminology`` and every family's TF-IDF, writing their caches."""
    index = packaged_candidate_index(terminology)
    for family in index.families:
        index.family_index(family)


class IndexWarm:
    """A child process building the linker's index cache; :meth:`wait` joins it."""

    def __init__(self, process: BaseProcess) -> None:
        self.process = process
        self.started = time.perf_counter()

    def wait(self) -> bool:
        """Wait for the child; True when it built the cache (else the linker builds it itself, as without)."""
        self.process.join()
        ok = self.process.exitcode == 0
        seconds = time.perf_counter() - self.started
        if ok:
            log.info("linker: index cache built in a child process beside the run (%.1f s)", seconds)
        else:
            log.warning(
                "linker: the index-cache child process failed (exit %s); building in the run", self.process.exitcode
            )
        return ok

    def cancel(self) -> None:
        """Stop the child (the run failed before it needed the linker)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def start_index_warm(terminology: str | None = None) -> IndexWarm | None:
    """Start building the index cache of ``terminology`` in a child process, when it is not cached yet.

    Returns:
        The running child, or None where there is nothing to do (cached already, or caching off).
    """
    if index_is_cached(terminology) is not False:
        return None
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=build_index_cache, args=(terminology,), name="medkg-linker-cache", daemon=True)
    process.start()
    log.info("linker: no index cache yet; building it in a child process while the run goes on")
    return IndexWarm(process)
