// Vraag en aanbod in the web app (ui/market/): tags typed in the editor
// become the list the server keeps (normalised as ops.normalizeTag and the
// server do), the end date, the open/expired reading the wall and the card
// share with server/market, and the fields the editor's op carries.
import { describe, expect, it } from "vitest";
import { newCard } from "../src/protocol/model";
import { parseOp } from "../src/protocol/ops";
import { addTags, dateToExpires, expiresToDate, isExpired, isOpen, keep, nextState, type WallFilter } from "../src/ui/market/fields";
import { marketBlocker, marketOp, type MarketFields } from "../src/ui/market/editorfields";

const NOW = 1_800_000_000_000;

describe("tags typed in the editor", () => {
  it("normalise as the server does, split on commas, spaces and #", () => {
    expect(addTags([], "#Hout, 3D-print  #DESIGN")).toEqual({ tags: ["hout", "3d-print", "design"], problem: "" });
    expect(addTags(["hout"], " # Hout ").tags).toEqual(["hout"]);
    expect(addTags(["hout"], "HOUT").problem).toBe("twice");
    // The same list the protocol's parser keeps for these tags.
    const typed = addTags([], "#Tuin, tuin, KOKEN").tags;
    const op = parseOp({ type: "card.set", id: "c1", tags: ["#Tuin", "tuin", " KOKEN"] });
    expect(op.type === "card.set" && op.tags).toEqual(typed);
  });

  it("refuse what the protocol refuses, with the reason", () => {
    expect(addTags([], "#").problem).toBe("empty");
    expect(addTags([], "x".repeat(41))).toEqual({ tags: [], problem: "long" });
    expect(addTags([], "a\u0007b").problem).toBe("control");
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(addTags(ten, "extra")).toEqual({ tags: ten, problem: "full" });
    expect(addTags([], "ok, " + "y".repeat(41)).tags).toEqual(["ok"]);
  });
});

describe("the end date", () => {
  it("is the end of the chosen local day, and reads back as that day", () => {
    const ms = dateToExpires("2031-03-12");
    expect(ms).not.toBeNull();
    const d = new Date(ms!);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2031, 2, 12, 23, 59]);
    expect(expiresToDate(ms!)).toBe("2031-03-12");
    expect(dateToExpires("")).toBe(0);
    expect(expiresToDate(0)).toBe("");
    expect(dateToExpires("2100-01-01")).toBeNull();
    expect(dateToExpires("12-03-2031")).toBeNull();
  });

  it("ends a question or offer when it has passed (as server/market)", () => {
    expect(isExpired(0, NOW)).toBe(false);
    expect(isExpired(NOW, NOW)).toBe(true);
    expect(isExpired(NOW + 1, NOW)).toBe(false);
    expect(isOpen({ state: "open", expires: NOW - 1 }, NOW)).toBe(false);
    expect(isOpen({ state: "matched", expires: 0 }, NOW)).toBe(false);
    expect(isOpen({ state: "open", expires: 0 }, NOW)).toBe(true);
    expect([nextState("open"), nextState("matched"), nextState("resolved")]).toEqual(["matched", "resolved", "open"]);
  });
});

describe("the wall's filters", () => {
  const card = (over: Partial<{ kind: string; tags: string[]; state: string; expires: number }>) =>
    ({ kind: "offer", tags: ["hout"], state: "open", expires: 0, ...over });
  const f = (over: Partial<WallFilter>): WallFilter => ({ state: "open", kind: "", tag: "", ...over });
  it("leave expired cards out of the open list", () => {
    expect(keep(card({}), f({}), NOW)).toBe(true);
    expect(keep(card({ expires: NOW - 1 }), f({}), NOW)).toBe(false);
    expect(keep(card({ expires: NOW - 1 }), f({ state: "expired" }), NOW)).toBe(true);
    expect(keep(card({ state: "matched" }), f({}), NOW)).toBe(false);
    expect(keep(card({ state: "matched" }), f({ state: "matched" }), NOW)).toBe(true);
    expect(keep(card({ state: "resolved", expires: NOW - 1 }), f({ state: "all" }), NOW)).toBe(true);
  });
  it("filter by kind and by a tag typed any way", () => {
    expect(keep(card({}), f({ kind: "question" }), NOW)).toBe(false);
    expect(keep(card({}), f({ tag: "#Hout" }), NOW)).toBe(true);
    expect(keep(card({}), f({ tag: "metaal" }), NOW)).toBe(false);
  });
});

describe("the editor's op fields", () => {
  const ed = (over: Partial<MarketFields>): MarketFields => ({
    tags: [], typed: "", problem: "", contact: "", date: "", state: "open",
    setTags: () => {}, setTyped: () => {}, setProblem: () => {}, setContact: () => {}, setDate: () => {}, setState: () => {},
    ...over,
  });
  it("a new offer carries the fields set, a tag still in the box included", () => {
    const out = marketOp(ed({ tags: ["hout"], typed: "#Zagen", contact: "piet@example.org", date: "2031-03-12" }), "offer", null);
    expect(out).toEqual({ tags: ["hout", "zagen"], contact: "piet@example.org", expires: dateToExpires("2031-03-12") });
    expect(marketOp(ed({ tags: ["hout"] }), "note", null)).toEqual({});
  });
  it("Save waits for a contact within its limit and a date the protocol takes", () => {
    expect(marketBlocker(ed({ contact: "x".repeat(200) }), "offer")).toBe("");
    expect(marketBlocker(ed({ contact: "x".repeat(201) }), "offer")).toContain("201");
    expect(marketBlocker(ed({ date: "2100-01-01" }), "question")).not.toBe("");
    expect(marketBlocker(ed({ contact: "x".repeat(201) }), "note")).toBe("");
  });
  it("an edit carries only what changed, state included", () => {
    const c = newCard("c1", { kind: "question", tags: ["hout"], contact: "x", state: "open" });
    expect(marketOp(ed({ tags: ["hout"], contact: "x" }), "question", c)).toEqual({});
    expect(marketOp(ed({ tags: [], contact: "x", state: "resolved" }), "question", c)).toEqual({ tags: [], state: "resolved" });
  });
});
