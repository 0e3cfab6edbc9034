// The GraphQL-over-HTTP spec's audit suite (npm graphql-http) against a running server:
//   node scripts/graphql-http-audit.mjs http://127.0.0.1:8080/graphql
// prints one JSON line per audit ({id, name, status, reason?}) and exits 0; the caller judges the results.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/graphql-http-audit.mjs GRAPHQL_URL");
  process.exit(2);
}
const results = await auditServer({ url });
for (const r of results) {
  const reason = r.status === "ok" ? undefined : r.reason;
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason }));
}
