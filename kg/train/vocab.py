"""The lexicon builder (``medkg vocab build``): curated seed names + corpus train/dev names.

Reads Hetionet's nodes, the HPO terms and the BC5CDR / NCBI-disease train and dev mentions,
assembles them with :func:`kg.train.lexicon_assembly.assemble_lexicon` and writes
``kg/resources/lexicon.tsv.gz`` with ``lexicon.meta.json``; the run-time reader is
:func:`kg.vocab.lexicon.load_lexicon`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.logs import get_logger
from kg.schema import load_schema
from kg.seed.hetionet import NODES_FILE, parse_nodes
from kg.seed.hpo import hpo_terms, hpo_version
from kg.train.lexicon_assembly import (
    BC5CDR_FILES,
    HETIONET_LABELS,
    NCBI_FILES,
    SOURCE_INFO,
    CorpusMention,
    assemble_lexicon,
    parse_pubtator,
)
from kg.vocab.lexicon import DEFAULT_LEXICON_PATH, HEADER, LexiconNotFoundError, to_tsv

logger = get_logger(__name__)


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise LexiconNotFoundError(f"{what} not found: {path}")
    return path


def _read_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        yield from f


def _hetionet_curated(hetionet_dir: Path) -> Iterator[tuple[str, str, str, str, str]]:
    path = _require(hetionet_dir / NODES_FILE, "Hetionet nodes file")
    nodes, quarantine, _ = parse_nodes(_read_lines(path), load_schema(), location=path.name)
    if quarantine:
        logger.warning("lexicon: %d Hetionet node rows quarantined (see kg.seed.hetionet)", len(quarantine))
    for node in nodes.values():
        if node.label in HETIONET_LABELS:
            yield node.name, node.label, node.id, node.name, "hetionet"


def _hpo_curated() -> Iterator[tuple[str, str, str, str, str]]:
    for curie, name, synonyms in hpo_terms():
        yield name, "Symptom", curie, name, "hpo"
        for syn in synonyms:
            yield syn, "Symptom", curie, name, "hpo"


def _corpus(directory: Path, files: tuple[str, ...], source: str) -> tuple[list[CorpusMention], dict[str, int]]:
    mentions: list[CorpusMention] = []
    skipped: Counter[str] = Counter()
    for name in files:
        path = _require(directory / name, f"{source} file")
        m, s = parse_pubtator(_read_lines(path), source, path.name)
        mentions += m
        skipped += s
        logger.info("lexicon: %s: %d usable mentions, skipped %s", path.name, len(m), dict(s))
    return mentions, dict(sorted(skipped.items()))


def meta_path_for(out_path: str | Path) -> Path:
    """The metadata JSON path beside a lexicon file (``x.tsv.gz`` -> ``x.meta.json``)."""
    p = Path(out_path)
    stem = p.name[: -len(".tsv.gz")] if p.name.endswith(".tsv.gz") else p.stem
    return p.with_name(f"{stem}.meta.json")


def build_lexicon(
    hetionet_dir: str | Path,
    bc5cdr_dir: str | Path,
    out_path: str | Path = DEFAULT_LEXICON_PATH,
    ncbi_dir: str | Path | None = None,
    include_hpo: bool = True,
) -> dict[str, Any]:
    """Build the lexicon and write it with its metadata.

    Args:
        hetionet_dir: Folder with ``hetionet-v1.0-nodes.tsv``.
        bc5cdr_dir: Folder with the BC5CDR training and development PubTator files.
        out_path: The gzipped TSV to write; ``<name>.meta.json`` is written beside it.
        ncbi_dir: Folder with the NCBI-disease training and development files; None skips it.
        include_hpo: Add HPO phenotypic-abnormality terms from hpo3.

    Returns:
        The build stats (also stored in the metadata JSON).

    Raises:
        LexiconNotFoundError: An input file is missing (the message names it).
    """
    t0 = time.perf_counter()
    hetionet_dir, bc5cdr_dir = Path(hetionet_dir), Path(bc5cdr_dir)
    curated = list(_hetionet_curated(hetionet_dir))
    sources: dict[str, dict[str, Any]] = {"hetionet": dict(SOURCE_INFO["hetionet"], files=[NODES_FILE])}
    if include_hpo:
        curated += list(_hpo_curated())
        v = hpo_version()
        sources["hpo"] = {
            "name": "Human Phenotype Ontology, phenotypic abnormality subtree (HP:0000118)",
            "version": v["hpo_release"],
            "package": f"hpo3 {v['hpo3']} (MIT; no synonyms exposed)",
            "license": v["license"],
        }
    mentions, skipped = _corpus(bc5cdr_dir, BC5CDR_FILES, "bc5cdr")
    sources["bc5cdr"] = dict(SOURCE_INFO["bc5cdr"], files=list(BC5CDR_FILES), skipped_mentions=skipped)
    if ncbi_dir is not None:
        m, s = _corpus(Path(ncbi_dir), NCBI_FILES, "ncbi_disease")
        mentions += m
        sources["ncbi_disease"] = dict(SOURCE_INFO["ncbi_disease"], files=list(NCBI_FILES), skipped_mentions=s)
    entries, stats = assemble_lexicon(curated, mentions)
    data = to_tsv(entries).encode("utf-8")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(data)
    stats["seconds"] = round(time.perf_counter() - t0, 2)
    meta = {
        "format": "gzipped TSV, header: " + " ".join(HEADER) + "; xrefs are |-separated",
        "built": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tsv_sha256": hashlib.sha256(data).hexdigest(),
        "sources": sources,
        **stats,
    }
    meta_path_for(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "lexicon: %d entries %s written to %s (%d bytes), dropped %s, %.1f s",
        len(entries),
        stats["by_label"],
        out,
        out.stat().st_size,
        stats["dropped_terms"],
        stats["seconds"],
    )
    return meta
