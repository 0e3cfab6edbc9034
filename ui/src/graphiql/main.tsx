// The GraphQL playground served at GET /graphql: GraphiQL bundled into our own build (a second Vite entry), so it
// works with no internet. Monaco's workers come from the same build; subscriptions ride graphql-ws on /graphql.
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { parse, type DocumentNode } from "graphql";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

const endpoint = new URL("/graphql", window.location.href);
const subscriptionUrl = `${endpoint.protocol === "https:" ? "wss:" : "ws:"}//${endpoint.host}${endpoint.pathname}`;
const transport = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl });

function parsed(query: string): DocumentNode | undefined {
  try {
    return parse(query);
  } catch {
    return undefined; // the server answers the syntax error
  }
}

// The toolkit sends an operation over the websocket only when it is handed the parsed document of the very text
// it sends; parse it here, so a subscription never goes out as a POST (which cannot stream).
const fetcher: Fetcher = (params, options) => transport(params, { ...options, documentAST: parsed(params.query) });

const DEFAULT_QUERY = `# The latest runs; Ctrl-Enter runs a query, the book icon opens the schema's documentation.
{
  recentRuns(first: 5) {
    edges { node { id component { name } startTime status { code } } }
  }
}
`;

const root = document.getElementById("graphiql");
if (root) {
  root.textContent = "";
  createRoot(root).render(
    <StrictMode>
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />
    </StrictMode>,
  );
}
