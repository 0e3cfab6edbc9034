// The monitoring documents must be valid against the schema the server exports (graphql_server/schema.graphql).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { MONITORING_DOCUMENTS } from "./operations";

const schemaPath = fileURLToPath(new URL("../../../../graphql_server/schema.graphql", import.meta.url));
const schema = buildSchema(readFileSync(schemaPath, "utf8"));

describe("monitoring operations", () => {
  for (const document of MONITORING_DOCUMENTS) {
    it(`${document.name} is valid against schema.graphql`, () => {
      expect(validate(schema, parse(document.source)).map((e) => e.message)).toEqual([]);
    });
  }
});
