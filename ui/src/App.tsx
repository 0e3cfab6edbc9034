import { type ComponentType, lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { LiveProvider } from "./api/live";
import { Loading } from "./components/States";
import { HelpView } from "./features/help/HelpView";
import { NotFoundView } from "./features/help/NotFoundView";
import { InspectView } from "./features/inspector/InspectView";
import { TasksView } from "./features/monitoring/TasksView";
import { TaskView } from "./features/monitoring/TaskView";
import { ReviewView } from "./features/review/ReviewView";
import { HistoryView } from "./features/runs/HistoryView";
import { RecentView } from "./features/runs/RecentView";
import { TagView } from "./features/runs/TagView";
import { Shell } from "./features/shell/Shell";
import { SignInGate } from "./features/signin/SignInGate";
import { TraceView } from "./features/trace/TraceView";

// The graph and the waterfall bring the heavy libraries (React Flow, dagre, the virtualiser): loaded on demand,
// or right at boot when the page opened on one of them (main.tsx), in parallel with the view's query.
export const loadLineageView = () => import("./features/lineage/LineageView");
export const loadOtelTraceView = () => import("./features/otel/OtelTraceView");
const LineageView = lazy(loadLineageView);
const OtelTraceView = lazy(loadOtelTraceView);

/** Each view at its URL (model/commands/routes.ts spells them); react-router ranks paths, so order is free. */
const VIEWS: Record<string, ComponentType> = {
  "/": RecentView,
  "/recent": RecentView,
  "/history/:component": HistoryView,
  "/tag/:tag": TagView,
  "/run/:id": InspectView,
  "/trace/*": TraceView,
  "/lineage/output/*": LineageView,
  "/lineage/run/:id": LineageView,
  "/otel/:traceId": OtelTraceView,
  "/review": ReviewView,
  "/tasks": TasksView,
  "/task/:name": TaskView,
  "/help": HelpView,
  "*": NotFoundView,
};

export function App() {
  return (
    <BrowserRouter>
      <SignInGate>
        <LiveProvider pollOnly={new URLSearchParams(window.location.search).has("poll")}>
          <Shell>
            <Suspense fallback={<Loading what="view" />}>
              <Routes>
                {Object.entries(VIEWS).map(([path, View]) => (
                  <Route key={path} path={path} element={<View />} />
                ))}
              </Routes>
            </Suspense>
          </Shell>
        </LiveProvider>
      </SignInGate>
    </BrowserRouter>
  );
}
