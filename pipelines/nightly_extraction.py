"""Nightly extraction: pick up new or changed notes from an inbox, extend the graph, export, report.

Run from cron or any scheduler (the run is incremental: unchanged documents are skipped, and a
failed run leaves the previous graph intact because each build is one transaction)::

    # m h dom mon dow  command
    15 2 * * *  cd /srv/medkg && .venv/bin/python -m pipelines.nightly_extraction \\
                  --inbox /data/notes --store /srv/medkg/store --exports /srv/medkg/exports \\
                  --config pipelines/nightly.yaml

With ``NEO4J_URI`` / ``NEO4J_PASSWORD`` in the environment the graph is also loaded into Neo4j.
The run report (JSON) goes to ``<store>/reports/<run id>.json``; the exit code is 1 when the share
of quarantined inputs exceeds ``--max-quarantine-share``, so the scheduler can alert.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kg.build import build
from kg.config import load_config
from kg.export import export_checked
from kg.files import private_dir, touch_private
from kg.logs import get_logger
from kg.privacy import PhiRedactingFilter
from kg.schema import load_schema
from kg.store.sqlite import SqliteStore

log = get_logger("pipelines.nightly_extraction")


def run(
    inbox: Path,
    store_dir: Path,
    exports_dir: Path | None,
    config_path: Path | None = None,
    overrides: list[str] | None = None,
    max_quarantine_share: float = 0.2,
) -> tuple[dict[str, object], int]:
    """One scheduled run. Returns (report, exit code)."""
    config = load_config(config_path, overrides or [])
    report = build([inbox], config, store_dir=store_dir)
    summary: dict[str, object] = {
        "run_id": report.run_id,
        "documents": report.documents,
        "skipped_documents": report.skipped_documents,
        "mentions": report.mentions,
        "triples": report.triples,
        "nodes": report.nodes,
        "edges": report.edges,
        "quarantined": report.quarantined,
        "quarantine": [q.model_dump() for q in report.quarantine],
        "hypotheses": len(report.hypotheses),
        "exports": [],
    }
    if exports_dir is not None:
        with SqliteStore(store_dir) as store:
            snapshot = store.snapshot()
        schema = load_schema(config.schema_path)
        for fmt in ("ttl", "graphml", "neo4j-csv"):
            paths, _ = export_checked(snapshot, schema, fmt, exports_dir / fmt)
            summary["exports"] = [*summary["exports"], *map(str, paths)]  # type: ignore[misc]
    reports = private_dir(store_dir / "reports")  # owner-only, as everything medkg writes (kg/files.py)
    path = touch_private(reports / f"{report.run_id}.json")
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    total = report.documents + report.quarantined
    share = report.quarantined / total if total else 0.0
    code = 1 if share > max_quarantine_share else 0
    if code:
        log.error("quarantined %.0f%% of inputs (limit %.0f%%)", 100 * share, 100 * max_quarantine_share)
    log.info(
        "nightly run %s: %d documents (%d unchanged), %d triples, %d quarantined",
        report.run_id,
        report.documents,
        report.skipped_documents,
        report.triples,
        report.quarantined,
    )
    return summary, code


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True, help="folder (or file) of .txt/.jsonl/.csv notes")
    parser.add_argument("--store", type=Path, required=True, help="embedded store folder")
    parser.add_argument("--exports", type=Path, default=None, help="folder for ttl/graphml/neo4j-csv exports")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="dotted.key=value")
    parser.add_argument("--max-quarantine-share", type=float, default=0.2)
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PhiRedactingFilter())
    logging.basicConfig(
        level=logging.INFO, handlers=[handler], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    summary, code = run(args.inbox, args.store, args.exports, args.config, args.overrides, args.max_quarantine_share)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("quarantine", "exports")}))
    return code


if __name__ == "__main__":
    sys.exit(main())
