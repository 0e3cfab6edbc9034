// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Catalog } from "../../model/commands/complete";
import { renderAt } from "../../testing/render";
import { CommandInput } from "./CommandInput";

const catalog: Catalog = {
  components: ["etl", "train", "evaluate"],
  tags: ["nightly"],
  outputs: ["model.pkl", "my file.csv"],
  runs: ["0123456789abcdef"],
  tasks: ["fraud", "churn"],
};

function setup(url = "/help") {
  const user = userEvent.setup();
  renderAt(url, <CommandInput catalog={catalog} onFocus={() => undefined} />);
  const bar = screen.getByTestId<HTMLInputElement>("command-input");
  const where = () => screen.getByTestId("where").textContent;
  // Each suggestion as [what it completes to, what it is].
  const shown = () =>
    within(screen.getByTestId("suggestions"))
      .getAllByRole("option")
      .map((e) => Array.from(e.children, (part) => part.textContent));
  return { user, bar, where, shown };
}

beforeEach(() => localStorage.clear());
afterEach(cleanup);

describe("the command bar", () => {
  it("shows the command of the page it is on", () => {
    const { bar } = setup("/history/etl?n=5");
    expect(bar.value).toBe("history etl 5");
  });

  it("completes the command with Tab, then its argument from the catalog, and runs it with Enter", async () => {
    const { user, bar, where, shown } = setup();
    await user.clear(bar);
    await user.type(bar, "hist");
    expect(shown()).toEqual([["history", "history COMPONENT [N]"]]);
    await user.keyboard("{Tab}");
    expect(bar.value).toBe("history ");
    expect(shown()).toEqual([
      ["etl", "component"],
      ["evaluate", "component"],
      ["train", "component"],
    ]);
    await user.type(bar, "tr");
    await user.keyboard("{Tab}");
    expect(bar.value).toBe("history train");
    await user.keyboard("{Enter}");
    // The route changes after the command ran (it may await a mutation), in a render React schedules itself.
    await waitFor(() => expect(where()).toBe("/history/train"));
    expect(document.activeElement).not.toBe(bar);
  });

  it("walks the suggestions with the arrow keys, accepts the highlighted one with Enter, closes on Escape", async () => {
    const { user, bar, shown } = setup();
    await user.clear(bar);
    await user.type(bar, "trace m");
    expect(shown()).toEqual([
      ["model.pkl", "output"],
      ["my file.csv", "output"],
    ]);
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowDown}{ArrowUp}");
    const highlighted = within(screen.getByTestId("suggestions")).getAllByRole("option");
    expect(highlighted.map((e) => e.getAttribute("aria-selected"))).toEqual(["false", "true"]);
    await user.keyboard("{Enter}");
    expect(bar.value).toBe('trace "my file.csv"');
    expect(screen.queryByTestId("suggestions")).toBeNull();
    await user.type(bar, "x");
    expect(screen.queryByTestId("suggestions")).toBeNull(); // a finished argument offers nothing
    await user.clear(bar);
    await user.type(bar, "re");
    expect(screen.getByTestId("suggestions")).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("suggestions")).toBeNull();
  });

  it("says what is wrong with a bad command and stays on the page", async () => {
    const { user, bar, where } = setup();
    await user.clear(bar);
    await user.type(bar, "history{Enter}");
    expect(screen.getByRole("alert").textContent).toMatch(/history needs a component name/);
    expect(where()).toBe("/help");
    await user.type(bar, " etl");
    expect(screen.queryByRole("alert")).toBeNull(); // typing clears it
  });

  it("brings previous commands back with the arrow keys, newest first, back to the draft", async () => {
    const { user, bar, where } = setup();
    for (const line of ["recent", "tag nightly"]) {
      await user.click(bar);
      await user.clear(bar);
      await user.type(bar, `${line}{Enter}`);
    }
    await waitFor(() => expect(where()).toBe("/tag/nightly"));
    await user.click(bar);
    await user.clear(bar);
    await user.keyboard("{ArrowUp}");
    expect(bar.value).toBe("tag nightly");
    await user.keyboard("{ArrowUp}");
    expect(bar.value).toBe("recent");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(bar.value).toBe("");
    expect(JSON.parse(localStorage.getItem("mltrace.commandHistory") ?? "[]")).toEqual(["recent", "tag nightly"]);
  });

  it("takes the focus on / from anywhere on the page", async () => {
    const { user, bar } = setup();
    bar.blur();
    await user.keyboard("/");
    expect(document.activeElement).toBe(bar);
  });

  it("knows tasks and task NAME: completes task names and shows the Tasks view or a task's view", async () => {
    const { user, bar, where, shown } = setup();
    await user.clear(bar);
    await user.type(bar, "tas");
    expect(shown()).toEqual([
      ["task", "task NAME"],
      ["tasks", "tasks"],
    ]);
    await user.clear(bar);
    await user.type(bar, "task ");
    expect(shown()).toEqual([
      ["churn", "task"],
      ["fraud", "task"],
    ]);
    await user.type(bar, "fr");
    await user.keyboard("{Tab}");
    expect(bar.value).toBe("task fraud");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(where()).toBe("/task/fraud"));
    await user.clear(bar);
    await user.type(bar, "tasks{Enter}");
    await waitFor(() => expect(where()).toBe("/tasks"));
  });

  it("shows the command of a task's page", () => {
    const { bar } = setup("/task/fraud");
    expect(bar.value).toBe("task fraud");
  });
});
