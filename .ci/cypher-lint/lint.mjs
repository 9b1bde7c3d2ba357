// Lint Cypher statements with Neo4j's official language support (the parser and semantic
// analysis Neo4j's tools use), as Cypher 5.
//
//   node .ci/cypher-lint/lint.mjs < statements.json > diagnostics.json
//
// stdin: [{"name": "...", "query": "..."}]; stdout: [{"name", "diagnostics": [{severity,
// message}]}] where severity 1 is an error and 2 a warning (deprecations are warnings).
// Parameters ($name) are declared from the query itself; procedures and functions are
// checked against the Neo4j 5 registry the package ships (unknown or deprecated ones are
// reported).
import { readFileSync } from 'node:fs';
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const statements = JSON.parse(readFileSync(0, 'utf8'));
const out = statements.map(({ name, query }) => {
  const parameters = {};
  for (const m of query.matchAll(/\$`?([A-Za-z_][A-Za-z0-9_]*)`?/g)) parameters[m[1]] = null;
  const schema = {
    defaultLanguage: 'CYPHER 5',
    parameters,
    procedures: testData.mockSchema.procedures,
    functions: testData.mockSchema.functions,
  };
  const { diagnostics } = lintCypherQuery(query, schema, { consoleCommandsEnabled: false });
  return {
    name,
    diagnostics: diagnostics.map((d) => ({ severity: d.severity, message: d.message })),
  };
});
process.stdout.write(JSON.stringify(out));
