// name: drugs_causing_adverse_event
// purpose: Drugs asserted to cause an adverse event (a disease or a symptom), with evidence counts and example sentences.
// params:
//   $event (string): id or name (case-insensitive) of the disease or symptom
//   $limit (int, default 25): maximum number of drugs
//   $examples (int, default 3): maximum example sentences per drug
// returns: event_id, event_name, event_label, drug_id, drug_name, evidence_count, confidence, sources, example_sentences
// example: event=nausea
MATCH (x)
WHERE (x:Disease OR x:Symptom) AND (x.id = $event OR toLower(x.name) = toLower($event))
MATCH (drug:Drug)-[r:CAUSES]->(x)
OPTIONAL MATCH (e:Evidence {rel_type: 'CAUSES', asserted: true})-[:SUBJECT]->(drug)
WHERE (e)-[:OBJECT]->(x)
WITH x, drug, r, e
ORDER BY e.confidence DESC, e.doc_id, e.sentence_index, e.id
WITH x, drug, r, [s IN collect(e.sentence) WHERE s IS NOT NULL] AS sentences
RETURN x.id AS event_id, x.name AS event_name, [l IN labels(x) WHERE l IN ['Disease', 'Symptom']][0] AS event_label,
       drug.id AS drug_id, drug.name AS drug_name, r.evidence_count AS evidence_count, r.confidence AS confidence,
       coalesce(r.sources, []) AS sources, sentences[..$examples] AS example_sentences
ORDER BY evidence_count DESC, confidence DESC, drug_name, drug_id
LIMIT $limit
