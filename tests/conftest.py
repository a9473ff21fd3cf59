"""Shared test fixtures and the CI rule that Neo4j tests must run, not skip."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("MEDKG_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))

TINY_LEXICON = [
    # term, label, curie, concept_name, source, xrefs
    ("lisinopril", "Drug", "DRUGBANK:DB00722", "Lisinopril", "hetionet", ""),
    ("metformin", "Drug", "DRUGBANK:DB00331", "Metformin", "hetionet", ""),
    ("warfarin", "Drug", "DRUGBANK:DB00682", "Warfarin", "hetionet", ""),
    ("amiodarone", "Drug", "DRUGBANK:DB01118", "Amiodarone", "hetionet", ""),
    ("penicillin", "Drug", "MESH:D010406", "Penicillins", "bc5cdr", ""),
    ("albuterol", "Drug", "DRUGBANK:DB01001", "Albuterol", "hetionet", ""),
    ("hypertension", "Disease", "DOID:10763", "hypertension", "hetionet", "MESH:D006973"),
    ("hypertension", "Symptom", "HP:0000822", "Hypertension", "hpo", ""),
    ("type 2 diabetes mellitus", "Disease", "DOID:9352", "type 2 diabetes mellitus", "hetionet", ""),
    ("asthma", "Disease", "DOID:2841", "asthma", "hetionet", ""),
    (
        "chronic obstructive pulmonary disease",
        "Disease",
        "DOID:3083",
        "chronic obstructive pulmonary disease",
        "hetionet",
        "",
    ),
    ("heart failure", "Disease", "MESH:D006333", "Heart Failure", "bc5cdr", ""),
    ("chest pain", "Symptom", "HP:0100749", "Chest pain", "hpo", ""),
    ("rash", "Symptom", "HP:0000988", "Skin rash", "hpo", ""),
    ("skin rash", "Symptom", "HP:0000988", "Skin rash", "hpo", ""),
    ("headache", "Symptom", "HP:0002315", "Headache", "hpo", ""),
    ("dyspnea", "Symptom", "HP:0002094", "Dyspnea", "hpo", ""),
    ("edema", "Symptom", "HP:0000969", "Edema", "hpo", ""),
    ("fever", "Symptom", "HP:0001945", "Fever", "hpo", ""),
    ("cough", "Symptom", "HP:0012735", "Cough", "hpo", ""),
    ("breast cancer", "Disease", "DOID:1612", "breast cancer", "hetionet", ""),
    ("pneumonia", "Disease", "MESH:D011014", "Pneumonia", "bc5cdr", ""),
]


def write_lexicon(path: Path, rows: list[tuple[str, ...]] = TINY_LEXICON) -> Path:
    """Write a lexicon file in the packaged format (gzipped TSV with a header)."""
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("term\tlabel\tcurie\tconcept_name\tsource\txrefs\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_lexicon_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny lexicon in the real format."""
    return write_lexicon(tmp_path_factory.mktemp("lexicon") / "lexicon.tsv.gz")


@pytest.fixture(scope="session", autouse=True)
def _seed_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Seed images (kg.seed.cache) of the tests' tiny seeds go to a folder of this session, not the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDKG_SEED_CACHE_DIR", str(tmp_path_factory.mktemp("seed-cache")))
        yield


@pytest.fixture(scope="session")
def schema():
    """The packaged graph schema."""
    from kg.schema import load_schema

    return load_schema()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "neo4j: needs the real Neo4j server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `neo4j` marker sits exactly on the tests that talk to a real server (so CI's count means it)."""
    check_neo4j_markers(items)


_NEO4J = {"passed": 0, "skipped": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "neo4j" not in report.keywords:
        return
    if report.when == "call" and report.passed:
        _NEO4J["passed"] += 1
    elif report.skipped:
        _NEO4J["skipped"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a skipped Neo4j test, or none run at all, fails the run."""
    if os.environ.get("CI") and (_NEO4J["skipped"] or not _NEO4J["passed"]):
        print(
            f"\nCI: neo4j tests passed={_NEO4J['passed']} skipped={_NEO4J['skipped']}: Neo4j tests must run, not skip"
        )
        session.exitstatus = 1


@pytest.fixture(scope="session")
def tiny_ddi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A DDI pair classifier trained on the tiny fixture (relations, training and evaluation tests)."""
    from kg.train.relations import load_rel_config, train_relations

    out = tmp_path_factory.mktemp("rel") / "ddi"
    meta = train_relations(load_rel_config(FIXTURES / "relations" / "tiny_ddi.yaml", [f"out={out}"]))
    return out, meta


from tests.neo4j_fixture import check_neo4j_markers, neo4j_home, neo4j_server  # noqa: E402,F401  (real Neo4j server)


@pytest.fixture
def seed_dir(tmp_path):
    """A tiny Hetionet seed folder in the original file formats (nodes TSV, gzipped edges SIF)."""
    d = tmp_path / "hetionet"
    d.mkdir()
    shutil.copy(FIXTURES / "hetionet" / "hetionet-v1.0-nodes.tsv", d)
    rows = (FIXTURES / "hetionet" / "edges.sif").read_text().splitlines()
    good = [r for r in rows if len(r.split("\t")) == 3]
    with gzip.open(d / "hetionet-v1.0-edges.partial-16of24.sif.gz", "wt") as f:
        f.write("\n".join(good) + "\n")
    return d
