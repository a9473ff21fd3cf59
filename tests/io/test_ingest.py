import gzip
import json
import os
from pathlib import Path

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
    assert result.documents[1].metadata == {"document_kind": "note", "ward": "A"}
    reasons = sorted((q.location, q.reason) for q in result.quarantine)
    assert ("file", "empty text") in reasons
    assert ("byte 2", "not valid UTF-8 (nor UTF-16 with a byte-order mark)") in reasons
    assert ("line 2", "malformed JSON: Expecting property name enclosed in double quotes at column 2") in reasons
    assert ("line 3", "missing or empty 'text'") in reasons
    assert ("line 5", "duplicate id (first at line 1)") in reasons
    assert ("line 6", "expected a JSON object") in reasons
    assert len(result.quarantine) == 6
    # quarantine records never carry the text
    assert all("lisinopril" not in q.reason for q in result.quarantine)

    csv_result = read_inputs([csv_path], text_column="body", id_column="note_id")
    assert [d.id for d in csv_result.documents] == ["c1"]
    assert csv_result.documents[0].metadata == {"document_kind": "note", "site": "x"}
    assert [(q.location, q.reason) for q in csv_result.quarantine] == [("line 3", "empty 'body'")]


def test_clear_errors(tmp_path):
    with pytest.raises(IngestError, match="input not found"):
        read_inputs([tmp_path / "missing.txt"])
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


# -- bad input: every record lands byte-exact or is quarantined with its reason ----------------------


def _one(tmp_path, name: str, data: bytes, **kw):
    path = tmp_path / name
    path.write_bytes(data)
    return read_inputs([path], **kw)


def test_csv_quoted_newlines_are_kept_byte_exact(tmp_path):
    result = _one(tmp_path, "q.csv", b'id,text\r\n1,"line one\nline two\r\nthree"\r\n2,plain\r\n', id_column="id")
    assert [(d.id, d.text) for d in result.documents] == [("1", "line one\nline two\r\nthree"), ("2", "plain")]
    assert result.quarantine == []


def test_csv_unterminated_quote_does_not_swallow_the_rows_after_it(tmp_path):
    data = b'id,text\n1,good one\n2,"never closed\n3,good three\n4,good four\n'
    result = _one(tmp_path, "u.csv", data, id_column="id")
    assert [d.id for d in result.documents] == ["1", "3", "4"]
    assert [q.location for q in result.quarantine] == ["line 3"]
    assert "unterminated quote" in result.quarantine[0].reason and "never" not in result.quarantine[0].reason


def test_csv_unterminated_quote_closed_by_a_later_quote(tmp_path):
    data = b'id,text\n1,"never closed\n2,good two\n3,"quoted, text"\n'
    result = _one(tmp_path, "u.csv", data, id_column="id")
    assert [d.id for d in result.documents] == ["2", "3"]
    assert [q.location for q in result.quarantine] == ["line 2"]


def test_csv_field_over_128_kib_is_read(tmp_path):
    big = "x" * 200_000
    result = _one(tmp_path, "big.csv", f'id,text\n1,"{big}"\n2,small\n'.encode(), id_column="id")
    assert [len(d.text) for d in result.documents] == [200_000, 5]


def test_csv_field_over_max_chars_is_quarantined_with_its_length(tmp_path):
    result = _one(tmp_path, "big.csv", b"id,text\n1,abcdefghij\n2,abc\n", id_column="id", max_chars=5)
    assert [d.id for d in result.documents] == ["2"]
    assert [q.reason for q in result.quarantine] == ["10 characters, over ingest.max_chars=5"]


def test_csv_without_the_text_column_is_quarantined_and_the_run_goes_on(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("A good note.", encoding="utf-8")
    result = read_inputs([tmp_path])
    assert [d.id for d in result.documents] == ["b"]
    assert [(q.location, q.reason) for q in result.quarantine] == [("file", "no column 'text' (columns: a, b)")]


def test_csv_wrong_field_count_is_quarantined(tmp_path):
    result = _one(tmp_path, "w.csv", b"id,text\n1,ok\n2,too,many\n", id_column="id")
    assert [d.id for d in result.documents] == ["1"]
    assert [(q.location, q.reason) for q in result.quarantine] == [("line 3", "3 fields, expected 2 (the header's)")]


def test_jsonl_unicode_line_separators_stay_in_the_text(tmp_path):
    text = "first\u2028second\u2029third\x85fourth\x0cfifth"
    result = _one(tmp_path, "u.jsonl", (json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n").encode())
    assert [(d.id, d.text) for d in result.documents] == [("a", text)]
    assert result.quarantine == []


def test_utf8_bom_is_dropped(tmp_path):
    assert _one(tmp_path, "b.txt", b"\xef\xbb\xbfNote text.").documents[0].text == "Note text."
    csv_result = _one(tmp_path, "b.csv", b"\xef\xbb\xbfid,text\n1,hello\n", id_column="id")
    assert [(d.id, d.text) for d in csv_result.documents] == [("1", "hello")]


def test_utf16_with_bom_is_read_and_latin1_is_quarantined_at_the_bad_byte(tmp_path):
    assert _one(tmp_path, "w.txt", "Fièvre.".encode("utf-16")).documents[0].text == "Fièvre."
    result = _one(tmp_path, "l.txt", "Fi\xe8vre".encode("latin-1"))
    assert result.documents == []
    assert [(q.location, q.reason) for q in result.quarantine] == [
        ("byte 2", "not valid UTF-8 (nor UTF-16 with a byte-order mark)")
    ]


def test_gzipped_inputs_are_read(tmp_path):
    import gzip

    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b'{"id": "j", "text": "From jsonl."}\n'))
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b"id,text\nc,From csv.\n"))
    (tmp_path / "t.txt.gz").write_bytes(gzip.compress(b"From text."))
    (tmp_path / "broken.txt.gz").write_bytes(b"not gzip at all")
    result = read_inputs([tmp_path], id_column=None)
    texts = sorted(d.text for d in result.documents)
    assert texts == ["From csv.", "From jsonl.", "From text."]
    assert "t" in {d.id for d in result.documents}
    assert [q.reason for q in result.quarantine] == ["not a valid gzip file (BadGzipFile)"]


def test_other_files_in_a_folder_are_listed_never_skipped(tmp_path):
    for name in ("a.json", "b.zip", "c.pdf", "README"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".hidden.txt").write_text("skipped, counted in the log", encoding="utf-8")
    (tmp_path / "good.txt").write_text("A good note.", encoding="utf-8")
    result = read_inputs([tmp_path])
    assert [d.id for d in result.documents] == ["good"]
    assert sorted(Path(q.source).name for q in result.quarantine) == ["README", "a.json", "b.zip", "c.pdf"]
    assert all(q.reason.startswith("unsupported file type") for q in result.quarantine)


def test_unreadable_file_is_quarantined(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("secret", encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it would for a user
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "locked.txt":
                raise PermissionError(13, "Permission denied")
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = read_inputs([tmp_path])
    assert result.documents == []
    assert [q.reason for q in result.quarantine] == ["unreadable: PermissionError (Permission denied)"]


def test_empty_file_is_quarantined(tmp_path):
    result = _one(tmp_path, "e.txt", b"")
    assert [(q.location, q.reason) for q in result.quarantine] == [("file", "empty text")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_special_files_and_links_are_listed_never_read_or_skipped(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "good.txt").write_text("A good note.", encoding="utf-8")
    result = read_inputs([tmp_path])
    assert [d.id for d in result.documents] == ["good"]
    assert sorted((Path(q.source).name, q.reason) for q in result.quarantine) == [
        ("dangling.txt", "not a regular file (a broken link, a pipe or a device)"),
        ("linked", "a link to a folder (not followed)"),
        ("pipe.txt", "not a regular file (a broken link, a pipe or a device)"),
    ]


def test_a_file_over_max_file_bytes_and_a_gzip_bomb_are_quarantined_not_read(tmp_path):
    from kg.io.ingest import ReadOptions

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ok.txt").write_text("Asthma treated with albuterol.", encoding="utf-8")
    (inbox / "big.txt").write_text("x" * 30_000, encoding="utf-8")
    # 10 MB of zeros compress to about 10 KB: the reader stops at the cap, never inflating it all
    (inbox / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\0" * 10_000_000))
    assert (inbox / "bomb.jsonl.gz").stat().st_size < 20_000
    result = read_inputs([inbox], options=ReadOptions(max_file_bytes=20_000))
    assert [d.text for d in result.documents] == ["Asthma treated with albuterol."]
    reasons = {Path(q.source).name: q.reason for q in result.quarantine}
    assert reasons["big.txt"] == "30000 bytes, over ingest.max_file_bytes=20000"
    assert reasons["bomb.jsonl.gz"] == "decompresses to over ingest.max_file_bytes=20000 bytes"


def test_every_document_is_marked_with_its_kind(tmp_path):
    """Ingest marks what it reads as clinical notes (the stages' note handling acts on them), or as the run's
    ``ingest.document_kind``; a record's own kind wins, and a kind medkg does not know is quarantined."""
    from kg.io.ingest import ReadOptions

    (tmp_path / "a.txt").write_text("Started on lisinopril for hypertension.", encoding="utf-8")
    jsonl = tmp_path / "docs.jsonl"
    records = [
        {"id": "n1", "text": "Denies chest pain."},
        {"id": "n2", "text": "Aspirin reduced infarct size.", "metadata": {"document_kind": "abstract"}},
        {"id": "n3", "text": "Some text.", "metadata": {"document_kind": "letter"}},
    ]
    jsonl.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    csv_path = tmp_path / "docs.csv"
    csv_path.write_text("text,document_kind\nAsthma.,abstract\nCough.,memo\n", encoding="utf-8")
    result = read_inputs([tmp_path / "a.txt", jsonl, csv_path])
    kinds = {d.text: d.metadata["document_kind"] for d in result.documents}
    assert kinds == {
        "Started on lisinopril for hypertension.": "note",
        "Denies chest pain.": "note",
        "Aspirin reduced infarct size.": "abstract",
        "Asthma.": "abstract",
    }
    assert sorted((q.location, q.reason) for q in result.quarantine) == [
        ("line 3", "'document_kind' must be one of abstract, note"),
        ("line 3", "'document_kind' must be one of abstract, note"),
    ]
    as_abstracts = read_inputs([tmp_path / "a.txt"], options=ReadOptions(document_kind="abstract"))
    assert as_abstracts.documents[0].metadata == {"document_kind": "abstract"}


def test_corpus_readers_mark_abstracts_and_notes():
    from kg.io.corpora import read_corpus
    from tests.conftest import FIXTURES

    notes = read_corpus(FIXTURES / "notes_annotated.jsonl", "jsonl")
    assert {g.document.metadata["document_kind"] for g in notes} == {"note"}
    pubtator = sorted((FIXTURES / "pubtator").glob("*.txt")) or sorted((FIXTURES / "bc5cdr").glob("*"))
    abstracts = read_corpus(pubtator[0], "pubtator")
    assert abstracts and {g.document.metadata["document_kind"] for g in abstracts} == {"abstract"}
