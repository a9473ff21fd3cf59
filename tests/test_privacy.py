import logging

from kg.privacy import PhiRedactingFilter, find_phi, scrub

NOTE = (
    "Patient: John Smith\nDOB: 03/14/1962\nMRN: 00482913\n"
    "Mr. Robert Johnson was seen on 01/22/2024. Phone: (555) 123-4567. SSN 123-45-6789. "
    "Email jane.doe@example.com. Seen March 3, 2023 by Dr. A. Lee for hypertension."
)
PHI = [
    "John Smith",
    "03/14/1962",
    "00482913",
    "Robert Johnson",
    "01/22/2024",
    "123-4567",
    "123-45-6789",
    "jane.doe@example.com",
    "March 3, 2023",
    "Lee",
]


def test_scrub_removes_every_identifier_and_keeps_clinical_text():
    out = scrub(NOTE)
    for value in PHI:
        assert value not in out, value
    assert "hypertension" in out
    assert "[NAME]" in out and "[DATE]" in out and "[PHONE]" in out and "[SSN]" in out and "[EMAIL]" in out


def test_find_phi_kinds_do_not_overlap():
    spans = find_phi(NOTE)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    assert {s.kind for s in spans} >= {"NAME", "DATE", "MRN", "PHONE", "SSN", "EMAIL"}


def test_log_filter_scrubs(caplog):
    logger = logging.getLogger("medkg.test.privacy")
    logger.addFilter(PhiRedactingFilter())
    with caplog.at_level(logging.INFO, logger="medkg.test.privacy"):
        logger.info("processing note for %s", "Mr. Robert Johnson, DOB 03/14/1962")
    assert "Robert" not in caplog.text and "1962" not in caplog.text


def test_a_drug_name_that_starts_like_a_header_is_not_phi():
    """``dobutamine`` matched the DOB pattern, so build dropped 17 gold Drug mentions of BC5CDR test."""
    text = "Dobutamine stress echocardiography; dobutamine-induced ischemia. DOB: 03/14/1962. D.O.B. 1/2/1950"
    spans = find_phi(text)
    drugs = [(i, i + len("dobutamine")) for i in (0, text.index("dobutamine"))]
    assert not [s for s in spans for a, b in drugs if s.start < b and a < s.end]
    assert [text[s.start : s.end] for s in spans] == ["03/14/1962", "1/2/1950"]
    assert scrub(text).count("obutamine") == 2 and "03/14/1962" not in scrub(text) and "1/2/1950" not in scrub(text)
