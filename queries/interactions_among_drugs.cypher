// name: interactions_among_drugs
// purpose: Known interactions between any two drugs of a list (e.g. a patient's medication list); each pair once,
//   with the DDI subtype (mechanism, effect, advise or int) where text evidence gives one.
// params:
//   $drugs (list<string>): drug ids or names (case-insensitive)
// returns: drug_a_id, drug_a_name, drug_b_id, drug_b_name, evidence_count, confidence, sources, subtype, subtypes
// example: drugs=warfarin,amiodarone
WITH [x IN $drugs | toLower(x)] AS wanted
MATCH (a:Drug)-[r:INTERACTS_WITH]-(b:Drug)
WHERE a.id < b.id
  AND (a.id IN $drugs OR toLower(a.name) IN wanted)
  AND (b.id IN $drugs OR toLower(b.name) IN wanted)
WITH a, b, r ORDER BY coalesce(r.evidence_count, 0) DESC, coalesce(r.confidence, 0.0) DESC
WITH a, b, collect(r) AS rels
RETURN a.id AS drug_a_id, a.name AS drug_a_name, b.id AS drug_b_id, b.name AS drug_b_name,
       reduce(n = 0, r IN rels | n + coalesce(r.evidence_count, 0)) AS evidence_count,
       reduce(c = 0.0, r IN rels | CASE WHEN coalesce(r.confidence, 0.0) > c THEN r.confidence ELSE c END) AS confidence,
       reduce(s = [], r IN rels | s + [x IN coalesce(r.sources, []) WHERE NOT x IN s]) AS sources,
       head([r IN rels WHERE r.subtype IS NOT NULL | r.subtype]) AS subtype,
       reduce(s = [], r IN rels | s + [x IN coalesce(r.subtypes, []) WHERE NOT x IN s]) AS subtypes
ORDER BY drug_a_name, drug_b_name, drug_a_id, drug_b_id
