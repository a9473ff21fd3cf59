"""Hetionet seed loader on tiny fixture files in the real formats."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from kg.schema import load_schema
from kg.seed import MissingSeedFileError, SeedError
from kg.seed.hetionet import METAEDGE_MAP, hetionet_curie, load_hetionet

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hetionet"


@pytest.fixture()
def hetionet_dir(tmp_path: Path) -> Path:
    """A Hetionet folder: the fixture nodes TSV and the fixture SIF, gzipped as in the release."""
    shutil.copy(FIXTURE / "hetionet-v1.0-nodes.tsv", tmp_path / "hetionet-v1.0-nodes.tsv")
    with gzip.open(tmp_path / "hetionet-v1.0-edges.fixture.sif.gz", "wt", encoding="utf-8") as f:
        f.write((FIXTURE / "edges.sif").read_text(encoding="utf-8"))
    return tmp_path


def test_curie_mapping() -> None:
    assert hetionet_curie("Compound::DB00997") == ("Drug", "DRUGBANK:DB00997")
    assert hetionet_curie("Disease::DOID:363") == ("Disease", "DOID:363")
    assert hetionet_curie("Gene::1106") == ("Gene", "NCBIGene:1106")
    assert hetionet_curie("Symptom::D000006") == ("Symptom", "MESH:D000006")
    assert hetionet_curie("Anatomy::UBERON:0000002") == ("Anatomy", "UBERON:0000002")
    with pytest.raises(ValueError, match="not in the medkg schema"):
        hetionet_curie("Side Effect::C0000737")
    with pytest.raises(ValueError, match="not a Hetionet id"):
        hetionet_curie("DB00997")


def test_metaedge_map_fits_schema() -> None:
    schema = load_schema()
    assert len(METAEDGE_MAP) == 16
    for rel, _ in METAEDGE_MAP.values():
        assert rel in schema.relationships


def test_load_nodes_edges_and_quarantine(hetionet_dir: Path, schema) -> None:
    g = load_hetionet(hetionet_dir, schema)
    nodes = {n.id: n for n in g.nodes}
    assert nodes["DRUGBANK:DB00945"].label == "Drug"
    assert nodes["DRUGBANK:DB00945"].name == "Acetylsalicylic acid"
    assert nodes["DOID:10763"].label == "Disease"
    assert nodes["NCBIGene:1106"].label == "Gene"
    assert nodes["UBERON:0002082"].label == "Anatomy"
    assert nodes["MESH:D006261"].label == "Symptom"
    assert all(n.sources == ("hetionet",) for n in g.nodes)
    assert g.stats["skipped_kinds"] == {"Pathway": 1, "Side Effect": 1}

    triples = {(e.head, e.type, e.tail) for e in g.edges}
    assert triples == {
        ("DRUGBANK:DB00945", "TREATS", "DOID:10763"),
        ("DRUGBANK:DB00515", "PALLIATES", "DOID:2841"),
        ("DRUGBANK:DB00945", "BINDS", "NCBIGene:1106"),
        ("UBERON:0002082", "DOWNREGULATES", "NCBIGene:1106"),
        ("NCBIGene:1106", "REGULATES", "NCBIGene:2891"),
        ("DOID:10763", "RESEMBLES", "DOID:2841"),
        ("DOID:10763", "LOCALIZES_TO", "UBERON:0002082"),
    }
    for e in g.edges:
        assert e.sources == ("hetionet",) and e.confidence == 1.0 and e.evidence_count == 0

    by_loc = {q.location: q.reason for q in g.quarantine}
    assert all(q.source == "hetionet" for q in g.quarantine)
    assert "malformed node row" in by_loc["hetionet-v1.0-nodes.tsv:14"]
    edges_file = "hetionet-v1.0-edges.fixture.sif.gz"
    assert "malformed edge row" in by_loc[f"{edges_file}:9"]
    assert by_loc[f"{edges_file}:10"] == "unknown metaedge 'CcSE'"
    assert "unknown node 'Compound::DB99999'" in by_loc[f"{edges_file}:11"]
    assert "do not fit metaedge CtD" in by_loc[f"{edges_file}:12"]
    assert "duplicate edge CtD (first at line 2)" in by_loc[f"{edges_file}:13"]
    assert len(g.quarantine) == 6
    assert g.stats["quarantine_reasons"] == {
        "disallowed signature": 1,
        "duplicate": 1,
        "malformed": 1,
        "unknown metaedge": 1,
        "unknown node": 1,
    }
    assert g.stats["edges"] == 7 and g.stats["nodes"] == 10


def test_schema_disallowed_signature(hetionet_dir: Path, tmp_path: Path) -> None:
    from kg.schema import DEFAULT_SCHEMA_PATH

    text = DEFAULT_SCHEMA_PATH.read_text(encoding="utf-8")
    old = "  PALLIATES:\n    signatures: [[Drug, Disease]]"
    assert old in text
    custom = tmp_path / "narrow.yaml"
    custom.write_text(text.replace(old, "  PALLIATES:\n    signatures: [[Drug, Symptom]]"), encoding="utf-8")
    g = load_hetionet(hetionet_dir, load_schema(custom))
    reasons = [q.reason for q in g.quarantine if q.location.endswith(":3")]
    assert reasons == ["signature (Drug)-[PALLIATES]->(Disease) is not allowed by the schema"]
    assert all(e.type != "PALLIATES" for e in g.edges)


def test_edge_type_filter(hetionet_dir: Path, schema) -> None:
    g = load_hetionet(hetionet_dir, schema, edge_types=["TREATS", "GiG", "Gr>G"])
    assert {e.type for e in g.edges} == {"TREATS", "REGULATES"}
    assert g.stats["filtered_out"] == 5
    with pytest.raises(ValueError, match="unknown Hetionet edge type 'TREATZ'"):
        load_hetionet(hetionet_dir, schema, edge_types=["TREATZ"])


def test_missing_files(tmp_path: Path, schema) -> None:
    with pytest.raises(MissingSeedFileError, match="hetionet-v1.0-nodes.tsv"):
        load_hetionet(tmp_path, schema)
    (tmp_path / "hetionet-v1.0-nodes.tsv").write_text("id\tname\tkind\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"hetionet-v1.0-edges\*.sif.gz"):
        load_hetionet(tmp_path, schema)
    with pytest.raises(MissingSeedFileError, match="directory not found"):
        load_hetionet(tmp_path / "nope", schema)


def test_bad_header(hetionet_dir: Path, schema) -> None:
    (hetionet_dir / "hetionet-v1.0-nodes.tsv").write_text("a\tb\nx\ty\n", encoding="utf-8")
    with pytest.raises(SeedError, match="expected header"):
        load_hetionet(hetionet_dir, schema)
