"""Start-up time of the ``candidates`` linker: terminology load, index, TF-IDF (built or cached).

    .venv/bin/python benchmarks/linker_startup.py --cache-dir /tmp/linker-cache   # run twice: cold, then warm

The first run in an empty cache folder builds the candidate index and fits each family's TF-IDF,
and writes both (kg/linking/index_cache.py, kg/linking/tfidf.py); later runs load them.
The clock covers what a pipeline pays before its first links: ``LINKER_REGISTRY.create("candidates")``
and one Drug and one Disease query. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, required=True, help="TF-IDF cache folder (MEDKG_CACHE_DIR).")
    args = parser.parse_args()
    os.environ["MEDKG_CACHE_DIR"] = str(args.cache_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    warm = any(args.cache_dir.glob("linker-tfidf-*.npz")) and any(args.cache_dir.glob("linker-index-*.npz"))
    started = time.perf_counter()
    from kg.linking import LINKER_REGISTRY

    linker = LINKER_REGISTRY.create("candidates")
    created = time.perf_counter()
    linker.rank("celecoxib", "Drug")
    linker.rank("heart attack", "Disease")
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "cache": "warm" if warm else "cold",
                "create_s": round(created - started, 1),
                "first_queries_s": round(done - created, 1),
                "total_s": round(done - started, 1),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
