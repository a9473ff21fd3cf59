"""`medkg eval linkpred`, `medkg train linkpred` and `medkg predict score` on a tiny store."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli import app
from kg.config import REPO_ROOT
from kg.gnn.configs import curated_only, load_eval_config
from kg.gnn.serving import NoModelError, load_default, read_pairs
from kg.store.sqlite import SqliteStore
from kg.types import Edge
from tests.gnn.conftest import tiny_graph

runner = CliRunner()
PROTOCOLS = {"random", "degree_matched", "disease_holdout"}
PARAMS = {"eval_every": 2, "num_threads": 1, "val_ratio": 0.2, "test_ratio": 0.2, "target_sources": {}}


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("lp") / "store"
    nodes, edges = tiny_graph()
    with SqliteStore(d) as s:
        s.load_seed("hetionet", nodes, edges, "tiny-1")
    return d


def _write(path, tree):
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    return path


def test_eval_linkpred_prints_report_then_one_json_object(tiny_store, tmp_path):
    cfg = _write(
        tmp_path / "tiny.yaml",
        {
            "graph": {"store": str(tiny_store)},
            "targets": ["TREATS", "HAS_SYMPTOM"],
            "seeds": [1, 2],
            "ablation_text": True,
            "ablation_models": ["rgcn_mp", "degree", "metapath_lr"],
            "models": {
                "rgcn_mp": {"encoder": "rgcn", "hidden_dim": 8, "epochs": 4, "params": {"pair_features": True}},
                "sage": {"encoder": "sage", "hidden_dim": 8, "epochs": 2},
                "kge": {"encoder": "embedding", "hidden_dim": 8, "epochs": 2},
            },
            "primary": "rgcn_mp",
            "params": PARAMS,
        },
    )
    result = runner.invoke(app, ["eval", "linkpred", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("== with_text / TREATS / degree_matched") for line in lines)
    report = json.loads(lines[-1])
    assert set(report["results"]) == {"with_text", "without_text"}
    treats = report["results"]["with_text"]["TREATS"]
    assert {"rgcn_mp", "sage", "kge", "degree", "metapath_lr"} <= set(treats)
    assert any(name.startswith("mp:CbGaD") for name in treats)
    for name, protos in treats.items():
        assert set(protos) == PROTOCOLS, name
        for proto, metrics in protos.items():
            want = {"auroc", "auprc"} | ({"mrr", "hits@1", "hits@3", "hits@10"} if proto != "degree_matched" else set())
            assert want <= set(metrics), (name, proto)
            for m in want:
                assert set(metrics[m]) == {"mean", "std", "values"} and len(metrics[m]["values"]) == 2
                assert 0.0 <= metrics[m]["mean"] <= 1.0
    assert set(report["results"]["without_text"]["TREATS"]) == {"rgcn_mp", "degree", "metapath_lr"}
    assert "HAS_SYMPTOM" in report["results"]["with_text"]
    assert report["anchors"]["TREATS"]["known_indications_auroc"] == 0.974
    assert set(report["floors"]) == {"TREATS", "HAS_SYMPTOM"}

    # each floor is checked on the primary model's measured figures: holds is that comparison
    def mean(results, model, proto, metric="auroc"):  # type: ignore[no-untyped-def]
        return results[model][proto][metric]["mean"]

    floors = report["floors"]["TREATS"]
    assert len(floors) == 5
    for proto in ("degree_matched", "disease_holdout"):
        c = floors[f"{proto}: rgcn_mp - degree >= 0.05 AUROC"]
        assert (c["gnn"], c["degree"]) == (mean(treats, "rgcn_mp", proto), mean(treats, "degree", proto))
        assert c["holds"] is (c["gnn"] - c["degree"] >= 0.05)
        c = floors[f"{proto}: rgcn_mp > metapath_lr AUROC"]
        assert (c["gnn"], c["metapath_lr"]) == (mean(treats, "rgcn_mp", proto), mean(treats, "metapath_lr", proto))
        assert c["holds"] is (c["gnn"] > c["metapath_lr"])
    c = floors["random: rgcn_mp AUROC >= 0.90"]
    assert c["gnn"] == mean(treats, "rgcn_mp", "random") and 0.0 <= c["gnn"] <= 1.0
    assert c["holds"] is (c["gnn"] >= 0.90)
    symptom = report["results"]["with_text"]["HAS_SYMPTOM"]
    baselines = [name for name in symptom if name not in ("rgcn_mp", "sage")]  # kge (embedding) is a baseline
    assert {"kge", "degree", "metapath_lr"} <= set(baselines)
    c = report["floors"]["HAS_SYMPTOM"]["random: rgcn_mp MRR > every baseline"]
    assert c["gnn"] == mean(symptom, "rgcn_mp", "random", "mrr") and 0.0 < c["gnn"] <= 1.0
    assert c["best_baseline"] == max(mean(symptom, name, "random", "mrr") for name in baselines)
    assert c["holds"] is (c["gnn"] > c["best_baseline"])


def test_eval_config_errors_name_the_problem(tmp_path):
    bad = _write(tmp_path / "bad.yaml", {"models": {"x": {"encoder": "transformerX"}}})
    with pytest.raises(Exception, match="rgcn"):
        load_eval_config(bad)
    bad2 = _write(tmp_path / "bad2.yaml", {"protocols": ["random", "temporal"]})
    with pytest.raises(Exception, match="temporal"):
        load_eval_config(bad2)
    result = runner.invoke(app, ["eval", "linkpred", "--config", str(tmp_path / "missing.yaml")])
    assert result.exit_code != 0 and "not found" in result.output


def test_curated_only_drops_text_only_edges():
    e1 = Edge(head="DRUGBANK:DB1", type="TREATS", tail="DOID:1", sources=("hetionet", "text"), confidence=0.7)
    e2 = Edge(head="DRUGBANK:DB2", type="TREATS", tail="DOID:1", sources=("text",), confidence=0.7)
    out = curated_only([e1, e2])
    assert [(e.head, e.confidence) for e in out] == [("DRUGBANK:DB1", 1.0)]


def test_train_then_predict_score_handles_unknown_ids(tiny_store, tmp_path):
    out = tmp_path / "model"
    cfg = _write(
        tmp_path / "train.yaml",
        {
            "graph": {"store": str(tiny_store)},
            "targets": ["TREATS", "HAS_SYMPTOM"],
            "model": {"encoder": "rgcn", "hidden_dim": 8, "epochs": 4, "params": {"pair_features": True}},
            "params": PARAMS,
            "out": str(out),
        },
    )
    trained = runner.invoke(app, ["train", "linkpred", "--config", str(cfg)])
    assert trained.exit_code == 0, trained.output
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["targets"]) == {"TREATS", "HAS_SYMPTOM"} and meta["seed"] == 13
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "head\ttail\tnote\n"
        "DRUGBANK:DB00001\tDOID:3\tknown drug, known disease\n"
        "DOID:2\tHP:0000004\tdisease-symptom\n"
        "DRUGBANK:DB99999\tDOID:3\tunknown drug\n"
        "DRUGBANK:DB00001\tHP:0000004\tno target joins a drug and a symptom\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["predict", "score", "--pairs", str(pairs), "--model", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert rows[0] == ["head", "tail", "score"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("DRUGBANK:DB00001", "DOID:3"), ("DOID:2", "HP:0000004")]
    assert all(0.0 < float(r[2]) < 1.0 for r in rows[1:])
    assert "unknown id(s) DRUGBANK:DB99999" in result.stderr
    assert "no target relation joins" in result.stderr and "2 of 4 pairs not scored" in result.stderr
    # the scores are deterministic and the same through the library
    model = load_default(out)
    again = model.score([("DRUGBANK:DB00001", "DOID:3")])[0]
    assert again[2] == pytest.approx(float(rows[1][2]), abs=1e-6) and again[3] == "TREATS"


def test_predict_score_without_model_and_bad_pairs_file(tmp_path):
    pairs = tmp_path / "p.tsv"
    pairs.write_text("head\ttail\nDRUGBANK:DB1\tDOID:1\n", encoding="utf-8")
    result = runner.invoke(app, ["predict", "score", "--pairs", str(pairs), "--model", str(tmp_path / "none")])
    assert result.exit_code == 2 and "run `medkg train linkpred` first" in result.stderr
    with pytest.raises(NoModelError):
        load_default(tmp_path / "none")
    bad = tmp_path / "bad.tsv"
    bad.write_text("source\ttarget\nA\tB\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1: expected a tab-separated header"):
        read_pairs(bad)
    result = runner.invoke(app, ["predict", "score", "--pairs", str(bad)])
    assert result.exit_code != 0 and "head and tail" in result.output


def test_shipped_default_architecture_trains_and_scores(tiny_store, tmp_path):
    """configs/linkpred/default.yaml's models (name features, ensemble, ranking loss) on the tiny store; HAS_SYMPTOM
    taken out of ``stacked`` trains the config's GNN (the path up to 2.0.0, still chosen by config)."""
    tree = yaml.safe_load((REPO_ROOT / "configs" / "linkpred" / "default.yaml").read_text(encoding="utf-8"))
    assert tree["stacked"].pop("HAS_SYMPTOM")["metapaths"] == ["DpSpDpS"]  # shipped 3.1.0: stacked
    tree["graph"] = {"store": str(tiny_store)}
    tree["model"].update(hidden_dim=4, epochs=2)
    tree["model"]["params"]["members"] = 2
    tree["params"] = {
        **PARAMS,
        "per_target": {"HAS_SYMPTOM": {**tree["params"]["per_target"]["HAS_SYMPTOM"], "epochs": 2}},
    }
    tree["out"] = str(tmp_path / "model")
    trained = runner.invoke(app, ["train", "linkpred", "--config", str(_write(tmp_path / "d.yaml", tree))])
    assert trained.exit_code == 0, trained.output
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert (
        meta["targets"]["TREATS"]["kind"] == "stacked-dwpc-lr"
        and "member_best_epochs" in meta["targets"]["HAS_SYMPTOM"]
    )
    model = load_default(tmp_path / "model")
    (treats,) = model.score([("DRUGBANK:DB00001", "DOID:3")])
    (symptom,) = model.score([("DOID:2", "HP:0000004")])
    assert treats[3] == "TREATS" and symptom[3] == "HAS_SYMPTOM"
    assert 0.0 < treats[2] < 1.0 and 0.0 < symptom[2] < 1.0
