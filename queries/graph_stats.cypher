// name: graph_stats
// purpose: Node counts per label and relationship counts per type, one row each (includes Evidence, LoadRun, SUBJECT, OBJECT).
// params: none
// returns: kind, name, count
// example: none
CALL () {
  MATCH (n)
  UNWIND labels(n) AS name
  RETURN 'node' AS kind, name, count(*) AS count
  UNION ALL
  MATCH ()-[r]->()
  RETURN 'edge' AS kind, type(r) AS name, count(*) AS count
}
RETURN kind, name, count
ORDER BY kind DESC, name
