import { Alignment, Button, Callout, Navbar, NavbarDivider, NavbarGroup, NavbarHeading, Tag } from "@blueprintjs/core";
import { lazy, Suspense, useContext } from "react";
import { BrowserRouter, Link, NavLink, Route, Routes } from "react-router";
import { LiveContext, LiveProvider } from "./api/live";
import { CommandBar } from "./features/command-bar/CommandBar";
import { Loading } from "./components/States";
import { useTheme } from "./theme";
import { HelpView } from "./features/help/HelpView";
import { HistoryView } from "./features/runs/HistoryView";
import { InspectView } from "./features/inspector/InspectView";
import { NotFoundView } from "./features/help/NotFoundView";
import { RecentView } from "./features/runs/RecentView";
import { ReviewView } from "./features/review/ReviewView";
import { TagView } from "./features/runs/TagView";
import { TraceView } from "./features/trace/TraceView";

// The graph and the waterfall bring the heavy libraries (React Flow, dagre, the virtualiser): loaded on demand,
// or right at boot when the page opened on one of them (main.tsx), in parallel with the view's query.
export const loadLineageView = () => import("./features/lineage/LineageView");
export const loadOtelTraceView = () => import("./features/otel/OtelTraceView");
const LineageView = lazy(loadLineageView);
const OtelTraceView = lazy(loadOtelTraceView);

function LiveIndicator() {
  const live = useContext(LiveContext);
  if (!live.online) return null;
  const label = live.mode === "websocket" ? "live" : live.mode === "polling" ? "live (polling)" : "connecting";
  return (
    <Tag minimal round icon="feed" intent={live.mode === "connecting" ? "none" : "success"} data-testid="live-mode">
      {label}
    </Tag>
  );
}

function ConnectionBanner() {
  const live = useContext(LiveContext);
  if (live.online) return null;
  return (
    <Callout intent="danger" icon="offline" className="connection-banner" data-testid="server-gone" title="Server unreachable">
      The mltrace server stopped answering. Is <code>mltrace serve</code> still running? This page reconnects on its
      own and refreshes when it is back.
    </Callout>
  );
}

function Shell() {
  const [theme, toggleTheme] = useTheme();
  return (
    <div className="app">
      <Navbar className="app-navbar">
        <NavbarGroup align={Alignment.START} className="app-navbar-main">
          <NavbarHeading>
            <Link to="/" className="brand">
              mltrace
            </Link>
          </NavbarHeading>
          <CommandBar />
        </NavbarGroup>
        <NavbarGroup align={Alignment.END}>
          <NavLink to="/recent" className="nav-link">
            Recent
          </NavLink>
          <NavLink to="/review" className="nav-link">
            Review
          </NavLink>
          <NavLink to="/help" className="nav-link">
            Help
          </NavLink>
          <NavbarDivider />
          <LiveIndicator />
          <Button
            variant="minimal"
            icon={theme === "dark" ? "flash" : "moon"}
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            title={theme === "dark" ? "Light theme" : "Dark theme"}
            data-testid="theme-toggle"
            onClick={toggleTheme}
          />
        </NavbarGroup>
      </Navbar>
      <ConnectionBanner />
      <main className="app-main">
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
      </main>
    </div>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <LiveProvider pollOnly={new URLSearchParams(window.location.search).has("poll")}>
        <Shell />
      </LiveProvider>
    </BrowserRouter>
  );
}
