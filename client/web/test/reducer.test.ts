import { describe, expect, it } from "vitest";
import { toEvent } from "../src/protocol/codec";
import { ErrorCode } from "../src/protocol/errors";
import * as L from "../src/protocol/limits";
import { emptyState, liveCards, toWire } from "../src/protocol/model";
import { parseOp, type Op } from "../src/protocol/ops";
import { check } from "../src/protocol/policy";
import { apply, type Event } from "../src/protocol/reducer";
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

describe("caps count live objects; a hard cap counts every entry (SPEC §5, Caps)", () => {
  const cardAdd = (id: string) => ({ type: "card.add", id, kind: "note", title: id, body: "", color: "yellow", pos: "a0", x: 0, y: 0 }) as const;
  let seq = 0;
  const event = (actor: string, role: "participant" | "facilitator", op: Op): Event => ({
    seq: ++seq, op_id: `o${seq}`, actor, name: actor, role, at: 1_000 + seq, op,
  });

  it("a flooded board is cleaned with posts.delete and takes cards again, up to the hard cap", () => {
    seq = 0;
    const state = emptyState("b1");
    for (let i = 0; i < L.MAX_CARDS; i++) apply(state, event("spam", "participant", cardAdd(`x${i}`)));
    expect(check(state, cardAdd("mine"), "ann", "participant")?.code).toBe(ErrorCode.BOARD_FULL);
    apply(state, event("fran", "facilitator", { type: "posts.delete", author: "spam" }));
    expect(liveCards(state)).toBe(0);
    expect(check(state, cardAdd("mine"), "ann", "participant")).toBeNull();
    // Fill and clean until every entry is used: then even a clean board is full.
    let n = L.MAX_CARDS;
    while (state.cards.size < L.MAX_CARD_ENTRIES) {
      apply(state, event("spam", "participant", cardAdd(`x${n++}`)));
      if (liveCards(state) === L.MAX_CARDS) apply(state, event("fran", "facilitator", { type: "posts.delete", author: "spam" }));
    }
    apply(state, event("fran", "facilitator", { type: "posts.delete", author: "spam" }));
    expect(liveCards(state)).toBe(0);
    const refused = check(state, cardAdd("mine"), "ann", "participant");
    expect(refused?.code).toBe(ErrorCode.BOARD_FULL);
    expect(refused?.message).toBe(`a board holds at most ${L.MAX_CARD_ENTRIES} cards, deleted ones included`);
    // Thousands of applies: ~2 s alone, more on a loaded machine. The bound
    // is against a hang, not a speed claim (benchmarks measure speed).
  }, 60_000);

  it("posts.delete is for facilitators, needs a match, and parses only with a filter", () => {
    seq = 0;
    const state = emptyState("b1");
    apply(state, event("ann", "participant", cardAdd("c1")));
    expect(check(state, { type: "posts.delete", author: "ann" }, "bob", "participant")?.code).toBe(ErrorCode.FORBIDDEN);
    expect(check(state, { type: "posts.delete", author: "bob" }, "fran", "facilitator")?.code).toBe(ErrorCode.NOT_FOUND);
    expect(check(state, { type: "posts.delete", since: 0 }, "fran", "facilitator")).toBeNull();
    expect(() => parseOp({ type: "posts.delete" })).toThrow();
    expect(parseOp({ type: "posts.delete", since: L.MAX_TIME_MS })).toEqual({ type: "posts.delete", since: L.MAX_TIME_MS });
  });
});
