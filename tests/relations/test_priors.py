"""Prior features do not depend on the iteration order of a concept's equivalent ids."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

from kg.relations.priors import Priors


def test_a_tie_on_the_count_goes_to_the_higher_positive_count_whatever_the_order() -> None:
    priors = Priors(drug_rate={"MESH:D1": (1, 10), "DRUGBANK:DB1": (7, 10), "CHEBI:1": (0, 3)})
    want = (7 + 0.5) / (10 + 1.0)
    for order in itertools.permutations(["MESH:D1", "DRUGBANK:DB1", "CHEBI:1"]):
        got = priors.features(frozenset(order), frozenset())
        assert got["prior:drug_rate"] == want, order


def test_prior_features_are_the_same_under_every_hash_seed() -> None:
    probe = (
        "from kg.relations.priors import Priors;"
        "p = Priors(disease_rate={f'MESH:D{i}': (i % 3, 10) for i in range(40)});"
        "print(p.features(frozenset(), frozenset(f'MESH:D{i}' for i in range(40))))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", probe],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(outs) == 1 and "prior:disease_rate" in outs.pop()
