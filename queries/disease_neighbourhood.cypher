// name: disease_neighbourhood
// purpose: Everything asserted about a disease in one hop (drugs, symptoms, genes, anatomy, similar diseases), grouped by relation; predictions and evidence nodes excluded.
// params:
//   $disease (string): disease id or name (case-insensitive)
//   $limit (int, default 200): maximum number of rows
// returns: disease_id, relation, direction, neighbour_id, neighbour_label, neighbour_name, evidence_count
// example: disease=hypertension
MATCH (d:Disease)
WHERE d.id = $disease OR toLower(d.name) = toLower($disease)
MATCH (d)-[r]-(n)
WHERE NOT n:Evidence AND NOT type(r) STARTS WITH 'PREDICTED_'
RETURN d.id AS disease_id, type(r) AS relation,
       CASE WHEN startNode(r) = d THEN 'out' ELSE 'in' END AS direction,
       n.id AS neighbour_id, [l IN labels(n)][0] AS neighbour_label, n.name AS neighbour_name,
       r.evidence_count AS evidence_count
ORDER BY relation, direction, neighbour_name, neighbour_id
LIMIT $limit
