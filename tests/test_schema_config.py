import pytest
import yaml

from kg.config import ConfigError, load_config
from kg.registry import Registry, UnknownComponentError
from kg.schema import SchemaError, load_schema


def test_packaged_schema(schema):
    assert {"Drug", "Disease", "Symptom", "Gene"} <= set(schema.nodes)
    assert schema.allows("Drug", "TREATS", "Disease")
    assert not schema.allows("Disease", "TREATS", "Drug")
    assert schema.predicted_type("TREATS") == "PREDICTED_TREATS"
    schema.check_node_id("Drug", "DRUGBANK:DB00331")
    with pytest.raises(SchemaError, match="prefix allowed for Drug"):
        schema.check_node_id("Drug", "DOID:9352")
    assert ("Drug", "TREATS", "Disease") in schema.edge_types()
    assert ("Drug", "PREDICTED_TREATS", "Disease") not in schema.edge_types()
    assert schema.relationships["INTERACTS_WITH"].subtypes == ("mechanism", "effect", "advise", "int")
    assert all(not spec.subtypes for rel, spec in schema.relationships.items() if rel != "INTERACTS_WITH")
    schema.check_subtype("INTERACTS_WITH", "advise")
    schema.check_subtype("TREATS", None)
    with pytest.raises(SchemaError, match="unknown INTERACTS_WITH subtype 'Effect'"):
        schema.check_subtype("INTERACTS_WITH", "Effect")
    with pytest.raises(SchemaError, match="edge x: TREATS carries no subtype"):
        schema.check_subtype("TREATS", "effect", "edge x")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s["nodes"].__setitem__("bad_label", s["nodes"]["Drug"]), "PascalCase"),
        (lambda s: s["relationships"].__setitem__("treats", s["relationships"]["TREATS"]), "UPPER_SNAKE_CASE"),
        (lambda s: s["relationships"]["TREATS"].__setitem__("signatures", [["Drug", "Planet"]]), "unknown node label"),
        (lambda s: s["prediction_targets"].__setitem__("TREATS", "CAUSES"), "predicted: true"),
        (lambda s: s["relationships"]["TREATS"].__setitem__("subtypes", ["First-Line"]), "lower_snake_case"),
        (lambda s: s["relationships"]["INTERACTS_WITH"].__setitem__("subtypes", ["int", "int"]), "subtype twice"),
        (lambda s: s["relationships"]["PREDICTED_TREATS"].__setitem__("subtypes", ["x"]), "cannot have subtypes"),
    ],
)
def test_invalid_schema_rejected(tmp_path, mutate, message):
    from kg.schema import DEFAULT_SCHEMA_PATH

    raw = yaml.safe_load(DEFAULT_SCHEMA_PATH.read_text())
    mutate(raw)
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SchemaError, match=message):
        load_schema(path)


def test_config_overrides_and_env(tmp_path, monkeypatch):
    cfg_file = tmp_path / "run.yaml"
    cfg_file.write_text("gnn:\n  epochs: 3\nneo4j:\n  password: ${env:MY_SECRET}\n")
    monkeypatch.setenv("MY_SECRET", "s3cret")
    cfg = load_config(cfg_file, ["gnn.hidden_dim=8", "ner.name=dictionary"])
    assert cfg.gnn.epochs == 3 and cfg.gnn.hidden_dim == 8
    assert cfg.neo4j.password == "s3cret"
    monkeypatch.delenv("MY_SECRET")
    with pytest.raises(ConfigError, match="MY_SECRET"):
        load_config(cfg_file)
    with pytest.raises(ConfigError, match="invalid config"):
        load_config(None, ["gnn.no_such_key=1"])
    with pytest.raises(ConfigError, match="key.sub=value"):
        load_config(None, ["oops"])


def test_registry_lists_known_names():
    reg: Registry[int] = Registry("widget")
    reg.register("a")(lambda: 1)
    assert reg.create("a") == 1
    with pytest.raises(UnknownComponentError, match="unknown widget 'b'; known: a"):
        reg.get("b")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a")(lambda: 2)
