import json

import pytest

from kg.io.ingest import IngestError, content_id, read_inputs


def test_text_folder_jsonl_and_csv(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    (tmp_path / "notes" / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "notes" / "latin1.txt").write_bytes("fi\xe8vre".encode("latin-1"))
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(
        "\n".join(
            [
                json.dumps({"id": "n1", "text": "Denies chest pain.", "metadata": {"ward": "A"}}),
                "{not json",
                json.dumps({"id": "n2", "text": ""}),
                json.dumps({"text": "No id here."}),
                json.dumps({"id": "n1", "text": "duplicate"}),
                json.dumps(["a list"]),
            ]
        ),
        encoding="utf-8",
    )
    csv_path = tmp_path / "docs.csv"
    csv_path.write_text('note_id,body,site\nc1,"Asthma treated with albuterol.",x\nc2,,y\n', encoding="utf-8")

    result = read_inputs([tmp_path / "notes", jsonl])
    ids = [d.id for d in result.documents]
    assert ids == ["a", "n1", content_id("No id here.")]
    assert result.documents[1].metadata == {"ward": "A"}
    reasons = sorted((q.location, q.reason) for q in result.quarantine)
    assert ("file", "empty text") in reasons
    assert any(r == "not valid UTF-8" for _, r in reasons)
    assert ("line 2", "malformed JSON: Expecting property name enclosed in double quotes") in reasons
    assert ("line 3", "missing or empty 'text'") in reasons
    assert ("line 5", "duplicate id 'n1'") in reasons
    assert ("line 6", "expected a JSON object") in reasons
    assert len(result.quarantine) == 6
    # quarantine records never carry the text
    assert all("lisinopril" not in q.reason for q in result.quarantine)

    csv_result = read_inputs([csv_path], text_column="body", id_column="note_id")
    assert [d.id for d in csv_result.documents] == ["c1"]
    assert csv_result.documents[0].metadata == {"site": "x"}
    assert [(q.location, q.reason) for q in csv_result.quarantine] == [("line 3", "empty 'body'")]


def test_clear_errors(tmp_path):
    with pytest.raises(IngestError, match="input not found"):
        read_inputs([tmp_path / "missing.txt"])
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no column 'text'"):
        read_inputs([bad])
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(IngestError, match="holds no"):
        read_inputs([tmp_path / "empty_dir"])
    odd = tmp_path / "x.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(IngestError, match="unsupported input"):
        read_inputs([odd])


def test_content_id_is_stable():
    assert content_id("abc") == content_id("abc")
    assert content_id("abc") != content_id("abd")
    assert content_id("abc").startswith("sha256:")
