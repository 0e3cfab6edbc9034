// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { StatusTag } from "./StatusTags";

afterEach(cleanup);

describe("StatusTag", () => {
  it("says succeeded for OK and UNSET and failed for ERROR, the words the CLI and GraphQL's outcome use", () => {
    render(
      <>
        <StatusTag code="OK" />
        <StatusTag code="UNSET" />
        <StatusTag code="ERROR" message="boom" />
      </>,
    );
    expect(screen.getAllByTestId("status").map((t) => t.textContent)).toEqual(["succeeded", "succeeded"]);
    expect(screen.getByTestId("status-failed").textContent).toBe("failed");
  });
});
