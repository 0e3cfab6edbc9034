// Every document the UI sends must be valid against the schema the server exports (graphql_server/schema.graphql).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { ALL_DOCUMENTS } from "./operations";
import { LIVE_SUBSCRIPTION } from "./live";

const schemaPath = fileURLToPath(new URL("../../../graphql_server/schema.graphql", import.meta.url));
const schema = buildSchema(readFileSync(schemaPath, "utf8"));

describe("GraphQL operations", () => {
  for (const document of [...ALL_DOCUMENTS, LIVE_SUBSCRIPTION]) {
    it(`${document.name} is valid against schema.graphql`, () => {
      const errors = validate(schema, parse(document.source)).map((e) => e.message);
      expect(errors).toEqual([]);
    });
  }

  it("names every operation uniquely", () => {
    const names = ALL_DOCUMENTS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain("anonymous");
  });
});
