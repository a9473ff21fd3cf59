"""Every command block of README.md, run the way a user runs it, on the demo corpus with its seeds.

The blocks are read from README.md between their ``<!-- name -->`` markers and run as written by
bash in a fresh working folder (with ``.venv`` linking to this checkout's virtualenv), so the README
cannot drift from what works. The install steps of the demo command are what CI itself ran before
the tests (``.ci/run`` runs the test command, which installs the same package); the rest runs.

The seeds are the real Hetionet files and HPO annotations, through ``MEDKG_CONFIG`` with
``seed.max_edges_per_type`` (a deterministic sample: every node, the small edge types whole, at most
:data:`SEED_CAP` edges of each larger type) and :data:`GNN_EPOCHS` so that the flows fit CI; a full-seed run is recorded in
docs/benchmarks.md. Each block that passes is appended to ``$MEDKG_README_FLOWS_LOG``, which
``.ci/run`` compares with the README's blocks.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kg.queries import list_queries
from kg.store.neo4j import Neo4jStore

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SEED_CAP = 3000
#: Fewer GNN epochs than the default (60), for a run with `gnn.mode: train` (build and demo serve the shipped model).
GNN_EPOCHS = 15
#: The install steps CI runs itself (the README's test command) before any test.
INSTALL_STEPS = (re.compile(r"^python3 -m venv \.venv$"), re.compile(r"^\.venv/bin/pip install "))
_BLOCK = re.compile(r"<!-- ([a-z0-9-]+) -->\s*\n```bash\n(.*?)```\s*\n<!-- /\1 -->", re.S)
STORE_TABLES = ("nodes", "edges", "evidence", "mentions", "seed_edges", "hypotheses", "documents")


def readme_blocks(text: str | None = None) -> dict[str, str]:
    """``{marker name: bash text}`` of every command block between markers in the README."""
    return {m.group(1): m.group(2) for m in _BLOCK.finditer(text if text is not None else README.read_text())}


def unmarked_bash_blocks(text: str) -> int:
    """How many bash blocks of ``text`` sit outside a marker pair."""
    return len(re.findall(r"```bash\n", text)) - len(readme_blocks(text))


def record_flow(name: str) -> None:
    """Note that README block ``name`` ran and passed (for ``.ci/run``)."""
    log = os.environ.get("MEDKG_README_FLOWS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")


def run_block(script: str, cwd: Path, env: dict[str, str], timeout: float = 1800) -> list[tuple[str, str]]:
    """Run a README block with bash, line by line in one shell; returns ``[(command, its output)]``.

    Raises:
        AssertionError: a command failed (the message holds the output so far).
    """
    steps = [ln for ln in script.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    lines = ["set -euo pipefail"]
    for i, line in enumerate(steps):
        lines += [f"echo '::step {i}::'", line]
    proc = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    parts = re.split(r"^::step (\d+)::\n", proc.stdout, flags=re.M)
    outputs = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    assert proc.returncode == 0, f"README block failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}"
    assert len(outputs) == len(steps), proc.stdout[-3000:]
    return [(steps[i], outputs[i]) for i in range(len(steps))]


def dump_store(store_dir: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(store_dir / "graph.sqlite")
    try:
        # table names come from the fixed tuple above, never from input
        return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in STORE_TABLES}
    finally:
        conn.close()


def dump_neo4j(neo: Neo4jStore) -> dict[str, list]:
    """Every node (but LoadRun) and relationship, with its properties, sorted."""
    nodes = neo.execute_read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n) AS l, properties(n) AS p")
    rels = neo.execute_read("MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p")
    return {
        "nodes": sorted(json.dumps(r, sort_keys=True, default=str) for r in nodes),
        "rels": sorted(json.dumps(r, sort_keys=True, default=str) for r in rels),
    }


def assert_same_dump(after: dict[str, list], before: dict[str, list], what: str) -> None:
    """Fail with the rows that differ, table by table (a few of each), never a diff of the whole dumps.

    ``assert a == b`` on dumps of 40,000+ rows sends pytest's difflib into a quadratic diff that
    runs for hours; this reports the same failure in milliseconds.
    """
    problems = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        if old != new:
            gone, added = sorted(old - new, key=str)[:3], sorted(new - old, key=str)[:3]
            counts = f"{len(before.get(table, []))} -> {len(after.get(table, []))} rows"
            problems.append(
                f"{table}: {counts}; {len(old - new)} gone, e.g. {gone}; {len(new - old)} new, e.g. {added}"
            )
        elif len(before.get(table, [])) != len(after.get(table, [])):
            problems.append(f"{table}: duplicate rows changed ({len(before[table])} -> {len(after[table])})")
    if problems:
        pytest.fail(f"{what} changed:\n" + "\n".join(problems), pytrace=False)


def table_rows(output: str) -> list[str]:
    """The data rows of the rich table a ``medkg query`` prints (the lines after the header rule)."""
    lines = output.splitlines()
    header_end = next((i for i, ln in enumerate(lines) if ln.startswith(("┡", "├"))), None)
    assert header_end is not None, f"no table in:\n{output}"
    return [ln for ln in lines[header_end + 1 :] if ln.startswith("│")]


def last_json(output: str):
    return json.loads([ln for ln in output.splitlines() if ln.strip()][-1])


# ---- the README itself ---------------------------------------------------------------------------


def test_every_readme_command_block_is_between_markers():
    text = README.read_text()
    blocks = readme_blocks(text)
    assert {"demo-command", "test-command", "export-flow", "hypotheses-flow", "neo4j-flow"} <= set(blocks)
    assert unmarked_bash_blocks(text) == 0
    assert unmarked_bash_blocks(text + "\n```bash\nmedkg nothing\n```\n") == 1  # the check can fail


def test_dump_comparison_names_the_rows_that_differ_without_a_full_diff():
    big = {"nodes": [(i, "x") for i in range(50_000)]}
    moved = {"nodes": [(i, "x") for i in range(1, 50_001)]}
    assert_same_dump(big, {"nodes": list(reversed(big["nodes"]))}, "same rows")
    with pytest.raises(pytest.fail.Exception, match=r"nodes: 50000 -> 50000 rows; 1 gone, e\.g\. \[\(0, 'x'\)\]"):
        assert_same_dump(moved, big, "the store")


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("readme-user")
    (ws / ".venv").symlink_to(Path(sys.prefix))
    config = f"seed:\n  max_edges_per_type: {SEED_CAP}\ngnn:\n  epochs: {GNN_EPOCHS}\n"
    (ws / "medkg.yaml").write_text(config, encoding="utf-8")
    return ws


@pytest.fixture(scope="module")
def user_env(workspace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_") and k != "PYTEST_ADDOPTS"}
    env["MEDKG_CONFIG"] = str(workspace / "medkg.yaml")
    env["MEDKG_NEO4J_HOME"] = str(workspace / ".neo4j")
    return env


@pytest.fixture(scope="module")
def demo_run(workspace, user_env) -> list[tuple[str, str]]:
    """The README's command (1), after the install steps CI has run."""
    parts = [p.strip() for p in readme_blocks()["demo-command"].strip().split("&&")]
    install = [p for p in parts if any(r.match(p) for r in INSTALL_STEPS)]
    rest = [p for p in parts if p not in install]
    assert len(install) == 2 and parts[: len(install)] == install, parts
    test_install = [p.strip() for p in readme_blocks()["test-command"].strip().split("&&")][:2]
    # the test command installs the same package with the dev extra on top: ".[dev]" includes "."
    same_package = re.sub(r'"?\.\[[a-z,]+\]"?', ".", test_install[1])
    assert install == [test_install[0], same_package], (install, test_install)
    return run_block("\n".join(rest), workspace, user_env)


# ---- the flows, in the README's order ------------------------------------------------------------


def test_readme_demo_command(demo_run, workspace):
    ((cmd, out),) = demo_run
    assert cmd == ".venv/bin/medkg demo"
    assert "top hypotheses" in out and "PREDICTED_TREATS" in out
    store = dump_store(workspace / ".medkg" / "store")
    assert len(store["documents"]) == 40
    assert len(store["nodes"]) > 40_000  # every seed node; edges are sampled
    kinds = {r[1] for r in store["edges"]}
    assert {"TREATS", "HAS_SYMPTOM", "CAUSES", "INTERACTS_WITH"} <= kinds
    text_mined = [r for r in store["edges"] if "text" in json.loads(r[3])]
    assert len(text_mined) > 50
    check_demo_hypotheses(workspace / ".medkg" / "store")
    record_flow("demo-command")


def check_demo_hypotheses(store_dir: Path) -> None:
    """The demo's hypotheses (issue 20): both targets served by the shipped stacked models, the top 10 of each
    type calibrated probabilities (not all >= 0.99), every HAS_SYMPTOM path one of its allowed metapaths."""
    from kg.gnn.paths import EXPLANATION_RULES

    conn = sqlite3.connect(store_dir / "graph.sqlite")
    try:
        rows = list(conn.execute("SELECT type, score, model_version, explanation FROM hypotheses ORDER BY score DESC"))
    finally:
        conn.close()
    for kind in ("PREDICTED_TREATS", "PREDICTED_HAS_SYMPTOM"):
        top = [r for r in rows if r[0] == kind][:10]
        assert len(top) == 10 and {r[2] for r in top} == {"linkpred-4.0.0"}, kind
        assert all(0.0 < r[1] <= 1.0 for r in top) and not all(r[1] >= 0.99 for r in top), (kind, top)
    rules = {r.name: r for r in EXPLANATION_RULES["HAS_SYMPTOM"].support}
    for _, _, _, expl in (r for r in rows if r[0] == "PREDICTED_HAS_SYMPTOM"):
        for p in json.loads(expl):
            assert p["metapath"] in rules and tuple(p["relations"]) == rules[p["metapath"]].relations, p


def test_readme_export_flow(demo_run, workspace, user_env):
    import csv

    import networkx as nx
    from rdflib import Graph

    steps = run_block(readme_blocks()["export-flow"], workspace, user_env)
    assert len(steps) == 3
    store = dump_store(workspace / ".medkg" / "store")
    n_nodes, n_edges, n_hyps = len(store["nodes"]), len(store["edges"]), len(store["hypotheses"])
    assert all("skipped" not in out for _, out in steps)  # the demo store holds no invalid row

    g = Graph().parse(workspace / "export" / "ttl" / "medkg.ttl", format="turtle")
    assert len(g) > 3 * n_nodes
    graphml = nx.read_graphml(workspace / "export" / "graphml" / "medkg.graphml", force_multigraph=True)
    assert graphml.number_of_nodes() == n_nodes
    assert graphml.number_of_edges() == n_edges + n_hyps

    # the header contract of neo4j-admin database import: one :ID column per node file, a :LABEL
    # column; :START_ID, :END_ID and :TYPE in every relationship file; every end is a known id
    csv_dir = workspace / "export" / "neo4j-csv"
    ids: set[str] = set()
    n_rels = 0
    type_suffix = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(:(string|int|long|float|double|boolean)(\[\])?)?$")
    for path in sorted(csv_dir.glob("*.nodes.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        assert sum(h.endswith(":ID") for h in header) == 1 and header[-1] == ":LABEL", path.name
        assert all(h.endswith(":ID") or h == ":LABEL" or type_suffix.match(h) for h in header), header
        id_col = next(i for i, h in enumerate(header) if h.endswith(":ID"))
        ids |= {r[id_col] for r in rows[1:]}
        assert all(len(r) == len(header) for r in rows)
    for path in sorted(csv_dir.glob("*.relationships.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][:3] == [":START_ID", ":END_ID", ":TYPE"], path.name
        assert all(len(r) == len(rows[0]) and r[0] in ids and r[1] in ids for r in rows[1:]), path.name
        n_rels += len(rows) - 1
    assert len(ids) >= n_nodes and n_rels >= n_edges + n_hyps
    assert (csv_dir / "import.sh").read_text().count("--nodes=") == len(list(csv_dir.glob("*.nodes.csv")))
    record_flow("export-flow")


def test_readme_hypotheses_flow(demo_run, workspace, user_env):
    (cmd_top, out_top), (cmd_node, out_node) = run_block(readme_blocks()["hypotheses-flow"], workspace, user_env)
    assert "--type TREATS --top 5" in cmd_top and "PREDICTED_TREATS" in out_top
    assert "PREDICTED_HAS_SYMPTOM" not in out_top
    rows = last_json(out_node)
    assert isinstance(rows, list)
    conn = sqlite3.connect(workspace / ".medkg" / "store" / "graph.sqlite")
    try:
        named = {r[0] for r in conn.execute("SELECT id FROM nodes WHERE lower(name) = 'hypertension'")}
    finally:
        conn.close()
    assert named  # the README's example node is in the demo graph
    for r in rows:
        assert {"type", "head", "tail", "head_name", "tail_name", "score", "paths"} <= set(r)
        assert r["head"] in named or r["tail"] in named
    record_flow("hypotheses-flow")


def test_readme_pipeline_flow(workspace, user_env):
    steps = run_block(readme_blocks()["pipeline-flow"], workspace, user_env)
    runs = [last_json(out) for cmd, out in steps if "pipeline run" in cmd]
    keys = {"run_id", "processed", "skipped", "retracted", "quarantined", "failed", "status"}
    assert [set(r) for r in runs] == [keys] * 3
    assert [(r["processed"], r["skipped"], r["retracted"], r["status"]) for r in runs] == [
        (1, 0, 0, "complete"),
        (0, 1, 0, "complete"),
        (1, 0, 1, "complete"),
    ]
    status = steps[-1][1]
    assert "no run is writing the store now" in status and "1 documents" in status
    builds = [ln for ln in status.splitlines() if " build " in ln]
    assert len(builds) == 3 and all(" complete " in ln for ln in builds), status
    store = workspace / ".medkg" / "nightly"
    assert all((store / "reports" / f"{r['run_id']}.json").is_file() for r in runs)
    record_flow("pipeline-flow")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.neo4j(starts_server=True)  # `medkg neo4j start` of the README flow
def test_readme_neo4j_flow(demo_run, workspace, user_env):
    script = readme_blocks()["neo4j-flow"]
    port = int(re.search(r"bolt://127\.0\.0\.1:(\d+)", script).group(1))
    assert _port_free(port), f"port {port} (the README's Neo4j port) is taken: stop what runs there to test the flow"
    before = dump_store(workspace / ".medkg" / "store")
    try:
        steps = dict(run_block(script, workspace, user_env))
    finally:  # never leave a server behind, whatever failed
        subprocess.run([str(workspace / ".venv" / "bin" / "medkg"), "neo4j", "stop"], env=user_env, cwd=workspace)
    out = {cmd.split("#")[0].strip(): text for cmd, text in steps.items()}
    assert "neo4j running" in out[".venv/bin/medkg neo4j start"]
    assert "top hypotheses" in out[".venv/bin/medkg demo"]
    stats = last_json(out[".venv/bin/medkg query graph_stats --json"])
    labels = {r[1] for r in before["nodes"]}
    assert sum(n for label, n in stats["nodes"].items() if label in labels) == len(before["nodes"])
    assert sum(stats["edges"].get(t, 0) for t in {r[1] for r in before["edges"]}) == len(before["edges"])
    drugs = out[".venv/bin/medkg query drugs_treating_disease --param disease=hypertension"]
    assert table_rows(drugs) and re.search(r"DRUGBANK:DB\d{5}", drugs), drugs
    hyps = out[".venv/bin/medkg query hypotheses --param node=hypertension"]
    assert table_rows(hyps) and "PREDI" in hyps, hyps  # the type column (PREDICTED_*), maybe cut to the width
    assert "stopped" in out[".venv/bin/medkg neo4j stop"]
    assert_same_dump(dump_store(workspace / ".medkg" / "store"), before, "the store after the demo re-run")
    record_flow("neo4j-flow")


@pytest.fixture(scope="module")
def loaded_server(demo_run, workspace, user_env, neo4j_server):
    """The session's Neo4j server, holding the demo graph, loaded with ``medkg neo4j load``."""
    env = {
        **user_env,
        "NEO4J_URI": neo4j_server["uri"],
        "NEO4J_USER": neo4j_server["user"],
        "NEO4J_PASSWORD": neo4j_server["password"],
    }
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as neo:
        neo.execute_write("MATCH (n) DETACH DELETE n")
    run_block(".venv/bin/medkg neo4j load --store .medkg/store", workspace, env)
    return env


@pytest.mark.neo4j
@pytest.mark.parametrize("spec", list_queries(), ids=lambda s: s.name)
def test_every_query_returns_rows_with_its_documented_example(spec, loaded_server, workspace):
    args = " ".join(f"--param '{e}'" for e in spec.example)
    ((_, out),) = run_block(f".venv/bin/medkg query {spec.name} {args} --json", workspace, loaded_server)
    rows = last_json(out)
    assert rows, f"{spec.example_command()} returned no rows on the demo graph"
    if isinstance(rows, list):
        assert set(spec.returns) <= set(rows[0]), (spec.returns, rows[0])


@pytest.mark.neo4j
def test_a_second_demo_changes_nothing_in_the_store_or_in_neo4j(loaded_server, workspace, neo4j_server):
    store_dir = workspace / ".medkg" / "store"
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as neo:
        before_neo = dump_neo4j(neo)
    before = dump_store(store_dir)
    ((_, out),) = run_block(".venv/bin/medkg demo --json", workspace, loaded_server)
    counts = last_json(out)
    assert counts["documents"] == 40 and counts["mentions"] == 0 and counts["triples"] == 0  # all skipped
    assert_same_dump(dump_store(store_dir), before, "the store after a second demo")
    with Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"]) as neo:
        after_neo = dump_neo4j(neo)
    assert_same_dump(after_neo, before_neo, "the Neo4j graph after a second demo")
    assert len(after_neo["nodes"]) >= len(before["nodes"])
