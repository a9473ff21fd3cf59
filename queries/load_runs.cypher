// name: load_runs
// purpose: Recent graph loads with their status and counts (a run still 'running' long after it started has crashed).
// params:
//   $limit (int, default 20): maximum number of runs
// returns: run_id, status, started, finished, schema_version, counts
// example: limit=5
MATCH (r:LoadRun)
RETURN r.id AS run_id, r.status AS status, r.started AS started, r.finished AS finished,
       r.schema_version AS schema_version, r.counts AS counts
ORDER BY started DESC, run_id
LIMIT $limit
