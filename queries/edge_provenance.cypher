// name: edge_provenance
// purpose: The mention-level evidence behind one triple (head, type, tail): document, sentence, offsets, extractor, assertion,
//   and the DDI subtype of INTERACTS_WITH evidence (null otherwise).
// params:
//   $head (string): head node id or name (case-insensitive)
//   $type (string): relationship type, e.g. TREATS
//   $tail (string): tail node id or name (case-insensitive)
//   $limit (int, default 100): maximum number of evidence rows
// returns: evidence_id, head_id, type, tail_id, doc_id, sentence_index, sentence, head_start, head_end, tail_start, tail_end, extractor, extractor_version, confidence, assertion, asserted, subtype
// example: head=lisinopril; type=TREATS; tail=hypertension
MATCH (e:Evidence {rel_type: $type})-[:SUBJECT]->(h)
WHERE h.id = $head OR toLower(h.name) = toLower($head)
MATCH (e)-[:OBJECT]->(t)
WHERE t.id = $tail OR toLower(t.name) = toLower($tail)
RETURN e.id AS evidence_id, h.id AS head_id, e.rel_type AS type, t.id AS tail_id, e.doc_id AS doc_id,
       e.sentence_index AS sentence_index, e.sentence AS sentence, e.head_start AS head_start, e.head_end AS head_end,
       e.tail_start AS tail_start, e.tail_end AS tail_end, e.extractor AS extractor,
       e.extractor_version AS extractor_version, e.confidence AS confidence, e.assertion AS assertion,
       e.asserted AS asserted, e.subtype AS subtype
ORDER BY doc_id, sentence_index, head_start, tail_start, evidence_id
LIMIT $limit
