// @vitest-environment happy-dom
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { RunRow } from "../../api/operations";
import { renderAt } from "../../testing/render";
import { RunTable } from "./RunTable";

const run = (id: string, overrides: Partial<RunRow> = {}): RunRow => ({
  id,
  traceId: "0".repeat(32),
  componentName: "train",
  name: "train",
  startTime: "2024-05-01T12:00:00+00:00",
  durationMs: 120_000,
  status: { code: "OK", message: null },
  stale: [],
  inputs: [{ name: "data/features.parquet", flagged: false }],
  outputs: [{ name: "models/model.pkl", flagged: false }],
  ...overrides,
});

afterEach(cleanup);

const rows = () => within(screen.getByTestId("run-table")).getAllByRole("row").slice(1);
const cells = (row: HTMLElement) => within(row).getAllByRole("cell");

describe("RunTable", () => {
  it("shows each run's component, id, duration, status and pointers, with links to them", () => {
    renderAt("/", <RunTable runs={[run("00000000000000a1")]} />);
    const [row] = rows();
    expect(cells(row).map((c) => c.textContent)).toEqual([
      "train",
      "00000000000000a1",
      expect.stringMatching(/^2024-05-0[12] \d\d:00:00$/) as string,
      "2 min 00 s",
      "succeeded ",
      "data/features.parquet",
      "models/model.pkl",
    ]);
    const links = within(row)
      .getAllByRole("link")
      .map((a) => a.getAttribute("href"));
    expect(links).toEqual([
      "/history/train",
      "/run/00000000000000a1",
      "/trace/data%2Ffeatures.parquet",
      "/trace/models%2Fmodel.pkl",
    ]);
  });

  it("marks failed and stale runs and flagged outputs, and shortens long pointer lists", () => {
    const outputs = ["a", "b", "c", "d", "e"].map((name) => ({ name, flagged: name === "a" }));
    const failed = run("00000000000000f1", {
      componentName: null,
      name: "plain span",
      status: { code: "ERROR", message: "boom" },
      stale: [{ reason: "a dependency re-ran" }],
      outputs,
    });
    renderAt("/", <RunTable runs={[failed]} />);
    const [row] = rows();
    expect(row.className).toBe("run-failed");
    expect(within(row).getByTestId("status-failed").getAttribute("title")).toBe("boom");
    expect(within(row).getByTestId("stale").getAttribute("title")).toBe("a dependency re-ran");
    expect(cells(row)[0].textContent).toBe("plain span"); // no component: the span's name, not a link
    expect(cells(row)[6].textContent).toBe("⚑ abc +2 more");
  });

  it("adds the pointers each run came through when given them", () => {
    const via = new Map([["00000000000000a1", ["x.csv", "y.csv"]]]);
    renderAt("/", <RunTable runs={[run("00000000000000a1"), run("00000000000000a2")]} via={via} />);
    expect(screen.getAllByRole("columnheader").at(-1)?.textContent).toBe("Via");
    expect(rows().map((r) => cells(r).at(-1)?.textContent)).toEqual(["x.csv, y.csv", "span link"]);
  });
});
