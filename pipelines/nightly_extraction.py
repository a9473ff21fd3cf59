"""Nightly extraction: the ``nightly`` pipeline (``pipelines/nightly.yaml``) with the flags of a cron line.

``medkg pipeline run nightly`` is the same run; this module keeps the older command line working::

    # m h dom mon dow  command
    15 2 * * *  cd /srv/medkg && .venv/bin/python -m pipelines.nightly_extraction \\
                  --inbox /data/notes --store /srv/medkg/store --exports /srv/medkg/exports

Each run processes new and changed notes, skips unchanged ones and retracts notes gone from the
inbox (see :mod:`kg.scheduled`). With ``NEO4J_URI`` / ``NEO4J_PASSWORD`` in the environment the graph
is also synced to Neo4j. The run report (JSON) goes to ``<store>/reports/<run id>.json``; the exit
code is 1 when the share of quarantined inputs exceeds ``--max-quarantine-share``, so the scheduler
can alert, and 4 when another run holds the store.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kg.logs import get_logger
from kg.privacy import PhiRedactingFilter
from kg.scheduled import EXIT_TOO_MANY_QUARANTINED, ExportSpec, load_definition, run_pipeline
from kg.store.lock import StoreBusy

log = get_logger("pipelines.nightly_extraction")


def run(
    inbox: Path,
    store_dir: Path,
    exports_dir: Path | None,
    config_path: Path | None = None,
    overrides: list[str] | None = None,
    max_quarantine_share: float = 0.2,
) -> tuple[dict[str, object], int]:
    """One scheduled run of the definition at ``config_path`` (default ``pipelines/nightly.yaml``).

    Returns:
        (the run report, exit code: 1 when the quarantined share is over the limit, else 0).
    """
    defn = load_definition(
        config_path or Path(__file__).with_name("nightly.yaml"), overrides, str(inbox), str(store_dir)
    )
    update: dict[str, object] = {"max_quarantine_share": max_quarantine_share}
    update["exports"] = ExportSpec(dir=str(exports_dir)) if exports_dir is not None else None
    result = run_pipeline(defn.model_copy(update=update))
    report: dict[str, object] = json.loads(result.report_path.read_text(encoding="utf-8"))
    report["documents"] = result.summary["processed"] + result.summary["skipped"]
    report["skipped_documents"] = result.summary["skipped"]
    return report, 1 if result.exit_code == EXIT_TOO_MANY_QUARANTINED else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True, help="folder (or file) of .txt/.jsonl/.csv notes")
    parser.add_argument("--store", type=Path, required=True, help="embedded store folder")
    parser.add_argument("--exports", type=Path, default=None, help="folder for ttl/graphml/neo4j-csv exports")
    parser.add_argument(
        "--config", type=Path, default=None, help="pipeline definition (default pipelines/nightly.yaml)"
    )
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="dotted.key=value")
    parser.add_argument("--max-quarantine-share", type=float, default=0.2)
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PhiRedactingFilter())
    logging.basicConfig(
        level=logging.INFO, handlers=[handler], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        summary, code = run(
            args.inbox, args.store, args.exports, args.config, args.overrides, args.max_quarantine_share
        )
    except StoreBusy as exc:
        log.error("%s", exc)
        return 4
    print(json.dumps({k: v for k, v in summary.items() if k not in ("quarantine", "exports")}))
    return code


if __name__ == "__main__":
    sys.exit(main())
