// name: top_hypotheses_for_disease
// purpose: Link-prediction hypotheses (PREDICTED_TREATS) for a disease: candidate drugs by score, with the paths that explain them. Predictions, not facts.
// params:
//   $disease (string): disease id or name (case-insensitive)
//   $limit (int, default 10): maximum number of hypotheses
// returns: disease_id, disease_name, drug_id, drug_name, score, rank, model_version, run_id, explanation, support_paths, already_asserted
// example: disease=hypertension
MATCH (d:Disease)
WHERE d.id = $disease OR toLower(d.name) = toLower($disease)
MATCH (drug:Drug)-[p:PREDICTED_TREATS]->(d)
RETURN d.id AS disease_id, d.name AS disease_name, drug.id AS drug_id, drug.name AS drug_name,
       p.score AS score, p.rank AS rank, p.model_version AS model_version, p.run_id AS run_id,
       p.explanation AS explanation, coalesce(p.support_paths, []) AS support_paths,
       EXISTS { (drug)-[:TREATS]->(d) } AS already_asserted
ORDER BY score DESC, rank, drug_id
LIMIT $limit
