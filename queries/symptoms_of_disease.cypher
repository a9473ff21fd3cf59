// name: symptoms_of_disease
// purpose: Symptoms and phenotypes asserted for a disease, best supported first.
// params:
//   $disease (string): disease id or name (case-insensitive)
//   $limit (int, default 50): maximum number of symptoms
// returns: disease_id, disease_name, symptom_id, symptom_name, evidence_count, confidence, sources
// example: disease=heart failure
MATCH (d:Disease)
WHERE d.id = $disease OR toLower(d.name) = toLower($disease)
MATCH (d)-[r:HAS_SYMPTOM]->(s:Symptom)
RETURN d.id AS disease_id, d.name AS disease_name, s.id AS symptom_id, s.name AS symptom_name,
       r.evidence_count AS evidence_count, r.confidence AS confidence, coalesce(r.sources, []) AS sources
ORDER BY evidence_count DESC, confidence DESC, symptom_name, symptom_id
LIMIT $limit
