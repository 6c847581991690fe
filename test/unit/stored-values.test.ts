import { describe, expect, it } from "vitest";
import { decodeValue } from "@wfc/core";

// Pinned samples of how DBOS SDK 5.3.0 stores values (copied from rows it wrote). The readers
// decode with the SDK's own decoder; if an upgrade changes the format, these fail loudly.
describe("decoding stored DBOS values", () => {
  it("decodes the TypeScript default (superjson) format", async () => {
    const stored =
      '{"json":{"total_steps":3,"total_fibonacci":1664080},"__dbos_serializer":"superjson"}';
    expect(await decodeValue(stored, "js_superjson")).toEqual({
      total_steps: 3,
      total_fibonacci: 1664080,
    });
  });

  it("revives superjson metadata such as dates", async () => {
    const stored =
      '{"json":"2026-11-24T08:00:00.000Z","meta":{"values":["Date"]},"__dbos_serializer":"superjson"}';
    expect(await decodeValue(stored, "js_superjson")).toEqual(new Date("2026-11-24T08:00:00.000Z"));
  });

  it("decodes portable JSON written by other languages", async () => {
    expect(await decodeValue('{"approved":true}', "portable_json")).toEqual({ approved: true });
  });

  it("decodes rows without a serialization name with the configured (superjson) serializer", async () => {
    expect(await decodeValue('{"json":100,"__dbos_serializer":"superjson"}', null)).toBe(100);
  });
});
