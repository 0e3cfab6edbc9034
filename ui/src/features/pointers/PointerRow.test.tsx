// @vitest-environment happy-dom
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Pointer } from "../../api/operations";
import { renderAt } from "../../testing/render";
import { PointerRow } from "./PointerRow";

const pointer = (name: string, flagged: boolean): Pointer => ({
  name,
  kind: "file",
  flagged,
  flaggedAt: flagged ? "2024-05-01T12:00:00+00:00" : null,
});

afterEach(cleanup);

describe("PointerRow", () => {
  it("links an input to its trace and lineage, without a flag switch", () => {
    renderAt("/", <PointerRow pointer={pointer("data/raw file.csv", false)} flaggable={false} />);
    const row = screen.getByTestId("pointer-row");
    expect(within(row).getByText("file").textContent).toBe("file");
    expect(within(row).getByRole("link", { name: "data/raw file.csv" }).getAttribute("href")).toBe(
      "/trace/data%2Fraw%20file.csv",
    );
    expect(within(row).getByRole("link", { name: "graph" }).getAttribute("href")).toBe(
      "/lineage/output/data%2Fraw%20file.csv",
    );
    expect(within(row).queryByRole("checkbox")).toBeNull();
  });

  it("offers an output's flag switch, showing whether it is flagged", () => {
    renderAt(
      "/",
      <ul>
        <PointerRow pointer={pointer("models/model.pkl", true)} flaggable />
        <PointerRow pointer={pointer("reports/metrics.json", false)} flaggable />
      </ul>,
    );
    const flagged = screen.getByTestId("flag-models/model.pkl");
    expect(within(flagged).getByRole<HTMLInputElement>("checkbox", { name: "Unflag models/model.pkl" }).checked).toBe(
      true,
    );
    expect(flagged.textContent).toBe("flagged");
    expect(screen.getByRole("link", { name: "models/model.pkl" }).className).toBe("pointer flagged mono");
    const clean = screen.getByTestId("flag-reports/metrics.json");
    expect(within(clean).getByRole<HTMLInputElement>("checkbox", { name: "Flag reports/metrics.json" }).checked).toBe(
      false,
    );
    expect(clean.textContent).toBe("flag");
  });
});
