import "@blueprintjs/core/lib/css/blueprint.css";
import "./theme.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, loadLineageView, loadOtelTraceView } from "./App";
import { prefetchFor } from "./api/viewQueries";

const { pathname, search } = window.location;
prefetchFor(pathname, search);
if (pathname.startsWith("/lineage/")) void loadLineageView();
if (pathname.startsWith("/otel/")) void loadOtelTraceView();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
