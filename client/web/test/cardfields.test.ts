// The card fields of issues 13 and 14 in the TypeScript port: what the
// golden vectors (reducer.json, codec.json) do not show on their own.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../src/protocol/errors";
import { cloneState, emptyState, fromWire, toWire } from "../src/protocol/model";
import { fileIds, normalizeTag, parseOp, validateOp, type Op } from "../src/protocol/ops";
import { check, SYSTEM_ACTOR } from "../src/protocol/policy";
import { apply, type Event } from "../src/protocol/reducer";

const PDF = { id: "b".repeat(64), name: "flyer.pdf", type: "application/pdf", size: 9, kind: "pdf" };
const URL_ = "https://example.org/buurt";
const PREVIEW = { url: URL_, title: "De buurt", description: "", site: "", image: "c".repeat(64) };

let seq = 0;
const ev = (actor: string, op: unknown, role: Event["role"] = "participant"): Event => ({
  seq: ++seq, op_id: `o${seq}`, actor, name: actor, role, at: 1000 + seq, op: parseOp(op),
});

describe("card fields", () => {
  it("normalises tags as the server does", () => {
    expect(normalizeTag("  #Tuin ")).toBe("tuin");
    expect(normalizeTag("# Buurt")).toBe("buurt");
    const op = parseOp({ type: "card.set", id: "c1", tags: ["#Tuin", "tuin", " KOKEN"] });
    expect(op.type === "card.set" && op.tags).toEqual(["tuin", "koken"]);
  });

  it("names the files an op refers to", () => {
    const op = parseOp({ type: "card.add", id: "c1", url: URL_, files: [PDF], preview: PREVIEW });
    expect([...fileIds(op)].sort()).toEqual(["b".repeat(64), "c".repeat(64)]);
    expect(fileIds(parseOp({ type: "card.delete", id: "c1" })).size).toBe(0);
  });

  it("refuses bad fields with the rule's message", () => {
    expect(validateOp({ type: "card.set", id: "c1", files: [PDF, PDF] } as unknown as Op)).toContain("the same file twice");
    expect(validateOp({ type: "card.set", id: "c1", tags: ["#"] } as unknown as Op)).toContain("a tag is 1 to 40");
    expect(validateOp({ type: "card.add", id: "c1", files: [] } as unknown as Op)).toContain("a title, a body, a URL or a file");
  });

  it("lets only the server set a preview, and a new link drops it", () => {
    seq = 0;
    const state = emptyState("b1");
    apply(state, ev("ann", { type: "card.add", id: "c1", title: "t", url: URL_ }));
    const setPreview = parseOp({ type: "card.set", id: "c1", preview: PREVIEW });
    expect(check(state, setPreview, "ann", "participant")?.code).toBe(ErrorCode.FORBIDDEN);
    expect(check(state, setPreview, "fran", "facilitator")?.code).toBe(ErrorCode.FORBIDDEN);
    expect(check(state, setPreview, SYSTEM_ACTOR, "facilitator")).toBeNull();
    apply(state, ev(SYSTEM_ACTOR, { type: "card.set", id: "c1", preview: PREVIEW }, "facilitator"));
    expect(state.cards.get("c1")?.preview?.title).toBe("De buurt");
    // The optimistic copy changes without touching the confirmed state.
    const view = cloneState(state);
    apply(view, ev("ann", { type: "card.set", id: "c1", url: "https://example.org/ander", tags: ["x"] }));
    expect(view.cards.get("c1")?.preview).toBeNull();
    expect(state.cards.get("c1")?.preview?.url).toBe(URL_);
    expect(state.cards.get("c1")?.tags).toEqual([]);
  });

  it("reads a snapshot form from before the fields with their defaults", () => {
    const form = { board: "b1", seq: 1, settings: {}, sections: {}, comments: {}, reactions: {}, votes: {},
      cards: { c1: { kind: "note", title: "Oud", body: "", color: "yellow", url: "", section: "", pos: "a0", x: 0, y: 0,
        author: "a", author_name: "A", created_at: 1, updated_at: 1, deleted: false, status: "visible" } } };
    const card = fromWire(form).cards.get("c1");
    expect(card && [card.files, card.preview, card.tags, card.contact, card.expires, card.state]).toEqual([[], null, [], "", 0, "open"]);
    expect((toWire(fromWire(form)).cards as Record<string, Record<string, unknown>>).c1?.state).toBe("open");
  });
});
