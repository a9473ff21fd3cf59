// name: drugs_treating_disease
// purpose: Drugs asserted to treat a disease, strongest evidence first, with example evidence sentences.
// params:
//   $disease (string): disease id (e.g. DOID:9352) or name (case-insensitive)
//   $limit (int, default 25): maximum number of drugs
//   $examples (int, default 3): maximum example sentences per drug
// returns: disease_id, disease_name, drug_id, drug_name, evidence_count, doc_count, confidence, sources, example_sentences
// example: disease=hypertension
MATCH (d:Disease)
WHERE d.id = $disease OR toLower(d.name) = toLower($disease)
MATCH (drug:Drug)-[r:TREATS]->(d)
OPTIONAL MATCH (e:Evidence {rel_type: 'TREATS', asserted: true})-[:SUBJECT]->(drug)
WHERE (e)-[:OBJECT]->(d)
WITH d, drug, r, e
ORDER BY e.confidence DESC, e.doc_id, e.sentence_index, e.id
WITH d, drug, r, [s IN collect(e.sentence) WHERE s IS NOT NULL] AS sentences
RETURN d.id AS disease_id, d.name AS disease_name, drug.id AS drug_id, drug.name AS drug_name,
       r.evidence_count AS evidence_count, r.doc_count AS doc_count, r.confidence AS confidence,
       coalesce(r.sources, []) AS sources, sentences[..$examples] AS example_sentences
ORDER BY evidence_count DESC, confidence DESC, drug_name, drug_id
LIMIT $limit
