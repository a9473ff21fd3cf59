// name: hypotheses
// purpose: Link-prediction hypotheses (PREDICTED_TREATS, PREDICTED_HAS_SYMPTOM) touching a node, best first, each explanation path walked hop by hop over the real graph relationships. Predictions, not facts.
// params:
//   $node (string): id or name (case-insensitive) of the head or tail node, e.g. a disease
//   $limit (int, default 10): maximum number of hypotheses
// returns: type, head_id, head_name, tail_id, tail_name, score, rank, model_version, run_id, already_asserted, paths
// example: node=hypertension
MATCH (h)-[p:PREDICTED_TREATS|PREDICTED_HAS_SYMPTOM]->(t)
WHERE h.id = $node OR t.id = $node OR toLower(h.name) = toLower($node) OR toLower(t.name) = toLower($node)
WITH h, p, t
ORDER BY p.score DESC, p.rank, h.id, t.id
LIMIT $limit
CALL (h, p, t) {
  UNWIND range(0, size(coalesce(p.path_nodes, [])) - 1) AS k
  WITH k, split(p.path_nodes[k], '|') AS ids, split(p.path_relations[k], '|') AS rels, p.path_contributions[k] AS contribution
  UNWIND range(0, size(rels) - 1) AS i
  OPTIONAL MATCH (x {id: ids[i]})-[r]-(y {id: ids[i + 1]})
  WHERE type(r) = rels[i]
  WITH k, ids, rels, contribution, i, x, y, count(r) AS found
  ORDER BY k, i
  WITH k, contribution, collect({from: ids[i], from_name: x.name, rel: rels[i], to: ids[i + 1], to_name: y.name, in_graph: found > 0}) AS hops
  RETURN collect({contribution: contribution, hops: hops, real: all(hop IN hops WHERE hop.in_graph)}) AS paths
}
RETURN type(p) AS type, h.id AS head_id, h.name AS head_name, t.id AS tail_id, t.name AS tail_name,
       p.score AS score, p.rank AS rank, p.model_version AS model_version, p.run_id AS run_id,
       EXISTS { MATCH (h)-[a]->(t) WHERE type(a) = substring(type(p), 10) } AS already_asserted, paths
ORDER BY score DESC, rank, head_id, tail_id
