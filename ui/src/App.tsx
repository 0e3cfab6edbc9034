import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { LiveProvider } from "./api/live";
import { Loading } from "./components/States";
import { HelpView } from "./features/help/HelpView";
import { NotFoundView } from "./features/help/NotFoundView";
import { InspectView } from "./features/inspector/InspectView";
import { ReviewView } from "./features/review/ReviewView";
import { HistoryView } from "./features/runs/HistoryView";
import { RecentView } from "./features/runs/RecentView";
import { TagView } from "./features/runs/TagView";
import { Shell } from "./features/shell/Shell";
import { TraceView } from "./features/trace/TraceView";

// The graph and the waterfall bring the heavy libraries (React Flow, dagre, the virtualiser): loaded on demand,
// or right at boot when the page opened on one of them (main.tsx), in parallel with the view's query.
export const loadLineageView = () => import("./features/lineage/LineageView");
export const loadOtelTraceView = () => import("./features/otel/OtelTraceView");
const LineageView = lazy(loadLineageView);
const OtelTraceView = lazy(loadOtelTraceView);

export function App() {
  return (
    <BrowserRouter>
      <LiveProvider pollOnly={new URLSearchParams(window.location.search).has("poll")}>
        <Shell>
          <Suspense fallback={<Loading what="view" />}>
            <Routes>
              <Route path="/" element={<RecentView />} />
              <Route path="/recent" element={<RecentView />} />
              <Route path="/history/:component" element={<HistoryView />} />
              <Route path="/tag/:tag" element={<TagView />} />
              <Route path="/run/:id" element={<InspectView />} />
              <Route path="/trace/*" element={<TraceView />} />
              <Route path="/lineage/output/*" element={<LineageView />} />
              <Route path="/lineage/run/:id" element={<LineageView />} />
              <Route path="/otel/:traceId" element={<OtelTraceView />} />
              <Route path="/review" element={<ReviewView />} />
              <Route path="/help" element={<HelpView />} />
              <Route path="*" element={<NotFoundView />} />
            </Routes>
          </Suspense>
        </Shell>
      </LiveProvider>
    </BrowserRouter>
  );
}
