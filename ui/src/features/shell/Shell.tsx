// The frame around every view: the navbar (brand, command bar, links, live state, theme) and a banner while the
// server does not answer.

import { Alignment, Button, Callout, Navbar, NavbarDivider, NavbarGroup, NavbarHeading, Tag } from "@blueprintjs/core";
import { type ReactNode, useContext } from "react";
import { Link, NavLink } from "react-router";
import { LiveContext } from "../../api/live";
import { useTheme } from "../../theme";
import { CommandBar } from "../command-bar/CommandBar";
import { SessionMenu } from "../signin/SessionMenu";
import "./shell.css";

const NAV_LINKS = [
  { to: "/recent", text: "Recent" },
  { to: "/review", text: "Review" },
  { to: "/tasks", text: "Tasks" },
  { to: "/help", text: "Help" },
];

export function Shell({ children }: { children: ReactNode }) {
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
          {NAV_LINKS.map(({ to, text }) => (
            <NavLink key={to} to={to} className="nav-link">
              {text}
            </NavLink>
          ))}
          <NavbarDivider />
          <LiveIndicator />
          <SessionMenu />
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
      <main className="app-main">{children}</main>
    </div>
  );
}

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
    <Callout
      intent="danger"
      icon="offline"
      className="connection-banner"
      data-testid="server-gone"
      title="Server unreachable"
    >
      The mltrace server stopped answering. Is <code>mltrace serve</code> still running? This page reconnects on its own
      and refreshes when it is back.
    </Callout>
  );
}
