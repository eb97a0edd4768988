import { describe, expect, it } from "vitest";
import { toEvent } from "../src/protocol/codec";
import type { Event } from "../src/protocol/reducer";
import { MemoryStore, Outbox } from "../src/sync/outbox";
import { Replica } from "../src/sync/replica";
import { backoffDelay } from "../src/sync/session";
import { posAt, posBetween, stableOrder } from "../src/ui/order";
import { newCard } from "../src/protocol/model";

const ev = (seq: number, op: Event["op"], actor = "me", op_id = `o${seq}`): Event =>
  toEvent({ seq, op_id, actor, name: actor, role: "participant", at: 1000 + seq, op });
const add = (id: string) => ({ type: "card.add" as const, id, kind: "note" as const, title: id, body: "", color: "yellow" as const, pos: "a0", x: 0, y: 0 });
const welcome = (r: Replica, p: Partial<Parameters<Replica["welcome"]>[0]> = {}) =>
  r.welcome({ epoch: "e1", seq: 0, recovered: false, snapshot: null, actor: "me", role: "participant", ...p });

describe("outbox", () => {
  it("persists ops until removed, with stable ids", () => {
    const store = new MemoryStore();
    const a = new Outbox(store, "k", "dev");
    const p1 = a.add(add("c1"));
    const p2 = a.add(add("c2"));
    expect([p1.id, p2.id]).toEqual(["dev.1", "dev.2"]);
    const b = new Outbox(store, "k", "dev2"); // a reload
    expect(b.list().map((p) => p.id)).toEqual(["dev.1", "dev.2"]);
    expect(b.remove("dev.1")).toBe(true);
    expect(new Outbox(store, "k").list().map((p) => p.id)).toEqual(["dev.2"]);
    b.remove("dev.2");
    expect(store.getItem("k")).toBeNull();
  });
  it("survives garbage in storage", () => {
    const store = new MemoryStore();
    store.setItem("k", "{not json");
    expect(new Outbox(store, "k").size).toBe(0);
  });
});

describe("replica: optimistic view, resume and gaps", () => {
  it("shows pending ops on top of confirmed state, once", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    welcome(r);
    const p = r.outbox.add({ type: "vote.cast", card: "c1" });
    r.outbox.add(add("c1"));
    r.invalidate();
    // vote before the card exists is refused by policy in the view; the card shows.
    expect(r.view().cards.has("c1")).toBe(true);
    expect(r.confirmed.cards.has("c1")).toBe(false);
    // The server's event for our card.add arrives before its ack.
    expect(r.apply(ev(1, add("c1"), "me", "d.2"))).toBe("applied");
    expect(r.outbox.has("d.2")).toBe(false);
    expect(r.view().cards.get("c1")?.title).toBe("c1");
    expect(r.outbox.has(p.id)).toBe(true);
  });
  it("a vote seen in the log is not counted twice before its ack", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    welcome(r);
    r.apply(ev(1, add("c1"), "other"));
    const p = r.outbox.add({ type: "vote.cast", card: "c1" });
    r.invalidate();
    expect(r.view().votes.get("c1")?.get("me")).toBe(1);
    r.apply(ev(2, { type: "vote.cast", card: "c1" }, "me", p.id));
    expect(r.view().votes.get("c1")?.get("me")).toBe(1);
  });
  it("ignores duplicates and reports gaps without applying past them", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k"));
    welcome(r);
    expect(r.apply(ev(1, add("c1")))).toBe("applied");
    expect(r.apply(ev(1, add("c1")))).toBe("duplicate");
    expect(r.apply(ev(3, add("c3")))).toBe("gap");
    expect(r.confirmed.seq).toBe(1);
    expect(r.confirmed.cards.has("c3")).toBe(false);
    expect(r.resumePoint()).toEqual({ epoch: "e1", seq: 1 });
  });
  it("a placeholder event advances seq only", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k"));
    welcome(r);
    expect(r.apply(ev(1, null))).toBe("applied");
    expect(r.confirmed.seq).toBe(1);
    expect(r.confirmed.cards.size).toBe(0);
  });
  it("recovered welcome keeps the replica; a snapshot replaces it", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k"));
    expect(r.resumePoint()).toBeUndefined();
    welcome(r);
    r.apply(ev(1, add("c1")));
    welcome(r, { seq: 1, recovered: true });
    expect(r.confirmed.cards.has("c1")).toBe(true);
    welcome(r, { epoch: "e2", seq: 7, recovered: false, snapshot: { board: "b", seq: 7, settings: { title: "T", layout: "grid", theme: "light", vote_budget: 3 }, sections: {}, cards: {}, comments: {}, reactions: {}, votes: {} } });
    expect(r.confirmed.cards.has("c1")).toBe(false);
    expect(r.confirmed.settings.layout).toBe("grid");
    expect(r.resumePoint()).toEqual({ epoch: "e2", seq: 7 });
  });
});

describe("acked ops and a log that lost its tail (SPEC §3, §6)", () => {
  const snap = (seq: number) => ({ board: "b", seq, settings: { title: "T", layout: "wall", theme: "light", vote_budget: 5 }, sections: {}, cards: {}, comments: {}, reactions: {}, votes: {} });
  it("an acked op stays (not resent) until the log passes its seq", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    welcome(r);
    const p = r.outbox.add(add("c1"));
    expect(r.outbox.ack(p.id, 2)).toBe(true);
    expect(r.outbox.unacked()).toHaveLength(0);
    expect(r.view().cards.has("c1")).toBe(true);
    r.apply(ev(1, add("c0"), "other"));
    expect(r.outbox.has(p.id)).toBe(true);
    r.apply(ev(2, null)); // a placeholder at its seq settles it too
    expect(r.outbox.has(p.id)).toBe(false);
  });
  it("a snapshot behind an acked seq (same epoch) resends it; one past it settles it", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    welcome(r);
    const lost = r.outbox.add(add("c1"));
    const kept = r.outbox.add(add("c2"));
    r.outbox.ack(lost.id, 9);
    r.outbox.ack(kept.id, 4);
    welcome(r, { seq: 6, snapshot: snap(6) });
    expect(r.outbox.unacked().map((p) => p.id)).toEqual([lost.id]);
    expect(r.outbox.has(kept.id)).toBe(false);
  });
  it("a new epoch resends every acked op, in order", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    welcome(r);
    const a = r.outbox.add(add("c1"));
    const b = r.outbox.add(add("c2"));
    r.outbox.ack(a.id, 3);
    welcome(r, { epoch: "e2", seq: 50, snapshot: snap(50) });
    expect(r.outbox.unacked().map((p) => p.id)).toEqual([a.id, b.id]);
  });
});

describe("backoff", () => {
  it("starts at 0.5 s, doubles, caps at 30 s, full jitter", () => {
    expect(backoffDelay(0, () => 0.999)).toBeLessThan(500);
    expect(backoffDelay(3, () => 0.999)).toBeLessThan(4000);
    expect(backoffDelay(20, () => 0.999)).toBeLessThan(30_000);
    expect(backoffDelay(20, () => 0)).toBe(0);
  });
});

describe("ordering", () => {
  it("positions between neighbours sort between them", () => {
    const k = posBetween("a0", "a1");
    expect(k > "a0" && k < "a1").toBe(true);
    expect(posBetween("a1", "a1") > "a1").toBe(true);
    const list = ["a0", "a1", "a2"].map((pos, i) => newCard(`c${i}`, { pos }));
    expect(posAt(list, 0) < "a0").toBe(true);
    expect(posAt(list, 3) > "a2").toBe(true);
  });
  it("keeps the order stable while the user types", () => {
    expect(stableOrder(["a", "b", "c"], ["c", "x", "a"])).toEqual(["a", "c", "x"]);
  });
});
