"""`kg.gnn.benchmark.check_floors`: the issue's floors, judged on hand-made results of the primary GNN."""

from __future__ import annotations

from typing import Any

from kg.gnn.benchmark import check_floors
from kg.gnn.configs import LinkPredEvalConfig

MODELS = {"rgcn": {"encoder": "rgcn"}, "sage": {"encoder": "sage"}, "kge": {"encoder": "embedding"}}


def _cfg(primary: str | None = "rgcn") -> LinkPredEvalConfig:
    return LinkPredEvalConfig.model_validate({"models": MODELS, "primary": primary})


def _results(table: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """``{model: {protocol: {metric: mean}}}`` in run_eval's shape (mean, std, values)."""
    return {
        model: {
            p: {m: {"mean": v, "std": 0.0, "values": [v]} for m, v in metrics.items()} for p, metrics in protos.items()
        }
        for model, protos in table.items()
    }


def _treats(rgcn: tuple[float, float, float], degree: tuple[float, float], lr: tuple[float, float]) -> dict[str, Any]:
    """AUROC of rgcn (degree-matched, disease hold-out, random), degree and metapath_lr (the first two)."""
    return _results(
        {
            "rgcn": {
                "degree_matched": {"auroc": rgcn[0]},
                "disease_holdout": {"auroc": rgcn[1]},
                "random": {"auroc": rgcn[2]},
            },
            "degree": {"degree_matched": {"auroc": degree[0]}, "disease_holdout": {"auroc": degree[1]}},
            "metapath_lr": {"degree_matched": {"auroc": lr[0]}, "disease_holdout": {"auroc": lr[1]}},
        }
    )


def _holds(floors: dict[str, Any]) -> dict[str, bool]:
    return {name: check["holds"] for name, check in floors.items()}


def test_treats_floors_hold_at_their_boundaries() -> None:
    floors = check_floors({"TREATS": _treats((0.80, 0.75, 0.90), (0.70, 0.70), (0.79, 0.74))}, _cfg())
    assert set(floors) == {"TREATS"}
    assert _holds(floors["TREATS"]) == {
        "degree_matched: rgcn - degree >= 0.05 AUROC": True,
        "degree_matched: rgcn > metapath_lr AUROC": True,
        "disease_holdout: rgcn - degree >= 0.05 AUROC": True,  # 0.75 - 0.70: exactly the margin
        "disease_holdout: rgcn > metapath_lr AUROC": True,
        "random: rgcn AUROC >= 0.90": True,  # exactly the floor
    }
    assert floors["TREATS"]["degree_matched: rgcn - degree >= 0.05 AUROC"] == {
        "gnn": 0.80,
        "degree": 0.70,
        "holds": True,
    }
    assert floors["TREATS"]["disease_holdout: rgcn > metapath_lr AUROC"] == {
        "gnn": 0.75,
        "metapath_lr": 0.74,
        "holds": True,
    }


def test_treats_floors_fail_just_below_them() -> None:
    # 0.04 over degree, a tie with metapath_lr (must beat it), random AUROC under 0.90.
    floors = check_floors({"TREATS": _treats((0.74, 0.90, 0.899), (0.70, 0.60), (0.74, 0.95))}, _cfg())
    assert _holds(floors["TREATS"]) == {
        "degree_matched: rgcn - degree >= 0.05 AUROC": False,
        "degree_matched: rgcn > metapath_lr AUROC": False,
        "disease_holdout: rgcn - degree >= 0.05 AUROC": True,
        "disease_holdout: rgcn > metapath_lr AUROC": False,
        "random: rgcn AUROC >= 0.90": False,
    }


def test_only_measured_comparisons_are_judged() -> None:
    # No baseline run: only the random-split floor can be judged; no primary result: no TREATS verdict.
    only_random = _results({"rgcn": {"random": {"auroc": 0.95}}})
    assert check_floors({"TREATS": only_random}, _cfg()) == {
        "TREATS": {"random: rgcn AUROC >= 0.90": {"gnn": 0.95, "holds": True}}
    }
    assert check_floors({"TREATS": _results({"degree": {"random": {"auroc": 0.99}}})}, _cfg()) == {}
    assert check_floors({}, _cfg()) == {}
    assert check_floors({"TREATS": only_random}, _cfg(primary=None)) == {"skipped": "no primary model in the config"}


def test_has_symptom_primary_must_beat_every_baseline_but_not_other_gnns() -> None:
    table = {
        "rgcn": {"random": {"mrr": 0.50}},
        "sage": {"random": {"mrr": 0.90}},  # another GNN of the config: not a baseline
        "kge": {"random": {"mrr": 0.40}},  # a shallow embedding model: a baseline
        "degree": {"random": {"mrr": 0.30}},
        "mp:CbGaD": {"random": {"mrr": 0.45}},
        "metapath_lr": {"disease_holdout": {"mrr": 0.99}},  # no random-split figure: not compared
    }
    key = "random: rgcn MRR > every baseline"
    floors = check_floors({"HAS_SYMPTOM": _results(table)}, _cfg())
    assert floors == {"HAS_SYMPTOM": {key: {"gnn": 0.50, "best_baseline": 0.45, "holds": True}}}
    table["kge"] = {"random": {"mrr": 0.50}}  # a tie is not a win
    assert check_floors({"HAS_SYMPTOM": _results(table)}, _cfg())["HAS_SYMPTOM"][key] == {
        "gnn": 0.50,
        "best_baseline": 0.50,
        "holds": False,
    }
    # Nothing to beat is no win either.
    alone = _results({"rgcn": {"random": {"mrr": 0.80}}, "sage": {"random": {"mrr": 0.10}}})
    assert check_floors({"HAS_SYMPTOM": alone}, _cfg())["HAS_SYMPTOM"][key] == {
        "gnn": 0.80,
        "best_baseline": None,
        "holds": False,
    }


def test_a_hair_under_the_margin_misses() -> None:
    # 0.0499 over degree and 0.0001 under the 0.90 floor: both miss; just over metapath_lr still wins.
    floors = check_floors({"TREATS": _treats((0.7499, 0.7501, 0.8999), (0.70, 0.70), (0.7498, 0.75))}, _cfg())
    assert _holds(floors["TREATS"]) == {
        "degree_matched: rgcn - degree >= 0.05 AUROC": False,
        "degree_matched: rgcn > metapath_lr AUROC": True,
        "disease_holdout: rgcn - degree >= 0.05 AUROC": True,
        "disease_holdout: rgcn > metapath_lr AUROC": True,
        "random: rgcn AUROC >= 0.90": False,
    }
