import { describe, expect, it } from "vitest";
import { toEvent } from "../src/protocol/codec";
import { emptyState, toWire } from "../src/protocol/model";
import { apply } from "../src/protocol/reducer";
import { loadVectors } from "./vectors";

interface Case { name: string; board: string; events: unknown[]; expected: Record<string, unknown> }
const vectors = loadVectors<{ version: number; cases: Case[] }>("reducer.json");

describe("reducer golden vectors", () => {
  it("has version 1 and cases", () => {
    expect(vectors.version).toBe(1);
    expect(vectors.cases.length).toBeGreaterThan(0);
  });
  for (const c of vectors.cases) {
    it(c.name, () => {
      const state = emptyState(c.board);
      for (const raw of c.events) apply(state, toEvent(raw));
      expect(toWire(state)).toEqual(c.expected);
    });
  }
});
