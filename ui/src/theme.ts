// Dark and light themes: Blueprint's dark class on <body> (so popovers and toasts follow), remembered per browser.

import { Classes } from "@blueprintjs/core";
import { useCallback, useEffect, useState } from "react";

export type Theme = "light" | "dark";
const KEY = "mltrace.theme";

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") return saved;
  } catch {
    // storage blocked: fall through to the system preference
  }
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.body.classList.toggle(Classes.DARK, theme === "dark");
    document.body.dataset.theme = theme;
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // not persisted; the toggle still works for this page
    }
  }, [theme]);
  const toggle = useCallback(() => setTheme((t) => (t === "dark" ? "light" : "dark")), []);
  return [theme, toggle];
}
