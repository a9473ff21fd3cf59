// name: diseases_for_symptoms
// purpose: Rank diseases by how many of the given symptoms they have, then by specificity (share of the disease's symptoms that matched).
// params:
//   $symptoms (list<string>): symptom ids or names (case-insensitive)
//   $limit (int, default 20): maximum number of diseases
// returns: disease_id, disease_name, matched_count, query_count, matched_symptoms, disease_symptom_count, specificity
// example: symptoms=dyspnea,edema
WITH [x IN $symptoms | toLower(x)] AS wanted
MATCH (s:Symptom)
WHERE s.id IN $symptoms OR toLower(s.name) IN wanted
MATCH (d:Disease)-[:HAS_SYMPTOM]->(s)
WITH d, s
ORDER BY s.name, s.id
WITH d, collect(DISTINCT s.name) AS matched
MATCH (d)-[:HAS_SYMPTOM]->(any:Symptom)
WITH d, matched, count(DISTINCT any) AS total
RETURN d.id AS disease_id, d.name AS disease_name, size(matched) AS matched_count, size($symptoms) AS query_count,
       matched AS matched_symptoms, total AS disease_symptom_count,
       round(toFloat(size(matched)) / total, 3) AS specificity
ORDER BY matched_count DESC, specificity DESC, disease_name, disease_id
LIMIT $limit
