/** Facilitation in the TS port (issue 9): policy answers as the server does
 * on a viewer's replica, view patches apply without policy, the optimistic
 * view shows one's own post as pending, and the server clock. The reducer
 * itself is checked against the Python one by the golden vectors. */
import { describe, expect, it } from "vitest";
import { decodeServer, encode, toEvent } from "../src/protocol/codec";
import { ErrorCode } from "../src/protocol/errors";
import { emptyState, fromWire, newCard, newComment, toWire, type BoardState } from "../src/protocol/model";
import { parseOp, type EventOp } from "../src/protocol/ops";
import { check } from "../src/protocol/policy";
import { apply, type Event } from "../src/protocol/reducer";
import { seesCard, seesComment } from "../src/protocol/visibility";
import { ServerClock, formatLeft, timerLeft } from "../src/sync/clock";
import { MemoryStore, Outbox } from "../src/sync/outbox";
import { Replica } from "../src/sync/replica";
import { Session } from "../src/sync/session";
import { fromHex, loadVectors } from "./vectors";

const ev = (seq: number, op: EventOp | null, actor = "fran", role: Event["role"] = "facilitator", op_id = `o${seq}`): Event =>
  toEvent({ seq, op_id, actor, name: actor, role, at: 1_000_000 + seq * 1000, op });
const add = (id: string, extra: Record<string, unknown> = {}) => parseOp({ type: "card.add", id, title: id, ...extra });

const board = (): BoardState => {
  const s = emptyState("b");
  s.cards.set("vis", newCard("vis", { author: "ann", title: "v" }));
  s.cards.set("pend", newCard("pend", { author: "ann", status: "pending" }));
  s.cards.set("hid", newCard("hid", { author: "bob", status: "hidden" }));
  s.comments.set("m1", newComment("m1", "vis", { author: "bob", status: "pending" }));
  s.comments.set("m2", newComment("m2", "hid", { author: "bob" }));
  return s;
};

describe("visibility (sees_card / sees_comment)", () => {
  it("facilitators see all, authors their own, others only visible cards", () => {
    const s = board();
    const card = (id: string) => s.cards.get(id)!;
    expect(seesCard(s, card("pend"), { role: "facilitator", actor: "fran" })).toBe(true);
    expect(seesCard(s, card("pend"), { role: "participant", actor: "ann" })).toBe(true);
    expect(seesCard(s, card("pend"), { role: "participant", actor: "cas" })).toBe(false);
    expect(seesCard(s, card("hid"), { role: "viewer", actor: "" })).toBe(false);
    expect(seesCard(s, card("vis"), { role: "viewer", actor: "" })).toBe(true);
    s.settings.hide_cards = true;
    expect(seesCard(s, card("vis"), { role: "participant", actor: "cas" })).toBe(false);
    expect(seesCard(s, card("vis"), { role: "participant", actor: "ann" })).toBe(true);
  });
  it("a comment shows where its card shows, then like a card", () => {
    const s = board();
    expect(seesComment(s, s.comments.get("m1")!, { role: "participant", actor: "cas" })).toBe(false);
    expect(seesComment(s, s.comments.get("m1")!, { role: "participant", actor: "bob" })).toBe(true);
    expect(seesComment(s, s.comments.get("m2")!, { role: "participant", actor: "cas" })).toBe(false);
    expect(seesComment(s, s.comments.get("m2")!, { role: "participant", actor: "bob" })).toBe(true);
  });
});

describe("policy (issue 9)", () => {
  it("answers NOT_FOUND for what the sender may not see, as for a missing card", () => {
    const s = board();
    for (const card of ["pend", "hid", "nope"]) {
      expect(check(s, { type: "vote.cast", card }, "cas", "participant")?.code).toBe(ErrorCode.NOT_FOUND);
      expect(check(s, { type: "comment.add", id: "x", card, body: "hi" }, "cas", "participant")?.message).toBe("no such card");
    }
    expect(check(s, { type: "vote.cast", card: "pend" }, "ann", "participant")).toBeNull();
    expect(check(s, { type: "comment.delete", id: "m1" }, "cas", "participant")?.code).toBe(ErrorCode.NOT_FOUND);
  });
  it("lock, removal, facilitator-only ops and closed rounds", () => {
    const s = board();
    s.settings.locked = true;
    expect(check(s, add("c9"), "ann", "participant")?.message).toBe("the board is locked");
    expect(check(s, add("c9"), "fran", "facilitator")).toBeNull();
    s.settings.locked = false;
    s.removed.add("ann");
    expect(check(s, add("c9"), "ann", "participant")?.message).toBe("you were removed from this board");
    expect(check(s, { type: "timer.set", action: "start", seconds: 5 }, "bob", "participant")?.code).toBe(ErrorCode.FORBIDDEN);
    expect(check(s, { type: "timer.set", action: "pause" }, "fran", "facilitator")?.code).toBe(ErrorCode.INVALID);
    s.session.round = 1;
    expect(check(s, { type: "vote.cast", card: "vis" }, "bob", "participant")?.message).toBe("voting is closed until the next round");
    expect(check(s, { type: "round.close" }, "fran", "facilitator")?.code).toBe(ErrorCode.INVALID);
  });
  it("moderation applies only to the fitting status; spotlight only on visible cards", () => {
    const s = board();
    expect(check(s, { type: "card.moderate", id: "pend", action: "approve" }, "fran", "facilitator")).toBeNull();
    expect(check(s, { type: "card.moderate", id: "pend", action: "hide" }, "fran", "facilitator")?.message).toBe("cannot hide a pending card");
    expect(check(s, { type: "card.moderate", id: "hid", action: "restore" }, "fran", "facilitator")).toBeNull();
    expect(check(s, { type: "spotlight.set", card: "pend" }, "fran", "facilitator")?.code).toBe(ErrorCode.NOT_FOUND);
    expect(check(s, { type: "spotlight.set", card: "vis" }, "fran", "facilitator")).toBeNull();
    expect(check(s, { type: "spotlight.set" }, "fran", "facilitator")).toBeNull();
  });
});

describe("spotlight until the reveal", () => {
  it("no card is everyone's to spotlight while cards are hidden (as policy.py)", () => {
    const s = emptyState("b");
    apply(s, ev(1, add("c1")));
    apply(s, ev(2, parseOp({ type: "board.set", hide_cards: true })));
    const spot = parseOp({ type: "spotlight.set", card: "c1" });
    expect(check(s, spot, "fran", "facilitator")?.code).toBe(ErrorCode.NOT_FOUND);
    apply(s, ev(3, parseOp({ type: "board.set", hide_cards: false })));
    expect(check(s, spot, "fran", "facilitator")).toBeNull();
  });
});

describe("view patches", () => {
  it("apply without policy: on a locked board, from no actor", () => {
    const s = emptyState("b");
    s.settings.locked = true;
    s.removed.add("ann");
    apply(s, ev(1, { type: "view.patch", cards: { c1: { title: "t", author: "ann", status: "pending" } } }, "", "participant"));
    expect(s.cards.get("c1")).toMatchObject({ title: "t", status: "pending", kind: "note", color: "yellow" });
    apply(s, ev(2, { type: "view.patch", cards: { c1: null }, votes: { c1: null }, settings: { title: "Nieuw" } }, "", "participant"));
    expect(s.cards.has("c1")).toBe(false);
    // A settings form replaces the settings whole; absent fields take defaults.
    expect(s.settings).toMatchObject({ title: "Nieuw", locked: false, words: [] });
    expect(s.seq).toBe(2);
  });
  it("a patch event settles the author's pending op by its op id", () => {
    const r = new Replica("b", new Outbox(new MemoryStore(), "k", "d"));
    r.welcome({ epoch: "e", seq: 0, recovered: false, snapshot: null, actor: "ann", role: "participant" });
    r.confirmed.settings.approval = true;
    const p = r.outbox.add(add("c1"));
    r.invalidate();
    // Optimistic: one's own post shows at once, as pending.
    expect(r.view().cards.get("c1")?.status).toBe("pending");
    const form = (toWire(r.view()).cards as Record<string, Record<string, unknown>>).c1!;
    expect(r.apply(ev(1, { type: "view.patch", cards: { c1: form } }, "ann", "participant", p.id))).toBe("applied");
    expect(r.outbox.has(p.id)).toBe(false);
    expect(r.view().cards.get("c1")?.status).toBe("pending");
  });
  it("decodes from an events frame; a client frame may not carry one", () => {
    const frames = loadVectors<{ events_frames: { name: string; hex: string }[] }>("codec.json").events_frames;
    const f = frames.find((x) => x.name === "with a view patch")!;
    const msg = decodeServer(fromHex(f.hex));
    if (msg.t !== "events") throw new Error("not events");
    expect(msg.ev.map((e) => e.op?.type ?? null)).toEqual(["card.add", null, "view.patch"]);
    expect(() => parseOp({ type: "view.patch" })).toThrow();
  });
  it("snapshots stored before issue 9 still load, with defaults", () => {
    const s = fromWire({ board: "b", seq: 3, settings: { title: "Oud", layout: "wall", theme: "light", vote_budget: 5 }, sections: {}, cards: { c1: { title: "x", author: "a" } }, comments: {}, reactions: {}, votes: {} });
    expect(s.settings).toMatchObject({ approval: false, locked: false, hide_cards: false, anonymous: "off", filter: false, words: [] });
    expect(s.cards.get("c1")?.status).toBe("visible");
    expect(s.session).toMatchObject({ round: 0, timer_ends_at: 0, spotlight_kind: "" });
    expect(s.removed.size).toBe(0);
  });
});

describe("server clock", () => {
  it("takes half the round trip, and the shortest round trip wins", () => {
    const c = new ServerClock();
    expect(c.now(1000)).toBe(1000);
    // Server is 10 s ahead; a 200 ms round trip.
    c.sample(50_100, 40_000, 40_200);
    expect(c.offset).toBe(10_000);
    // A slow sample (2 s round trip, asymmetric) does not move it.
    c.sample(52_000, 40_500, 42_500);
    expect(c.offset).toBe(10_000);
    // A faster one refines it.
    c.sample(53_010, 43_000, 43_020);
    expect(c.offset).toBe(10_000);
    expect(c.now(43_020)).toBe(53_020);
    c.sample(0, 0, 0); // no server time: ignored
    expect(c.offset).toBe(10_000);
  });
  it("counts a timer down on server time: running, paused, unset", () => {
    const s = { timer_duration: 60_000, timer_ends_at: 100_000, timer_remaining: 0 };
    expect(timerLeft(s, 70_000)).toEqual({ left: 30_000, running: true, paused: false, set: true });
    expect(timerLeft(s, 120_000)).toMatchObject({ left: 0, running: false, set: true });
    expect(timerLeft({ ...s, timer_ends_at: 0, timer_remaining: 5_000 }, 0)).toMatchObject({ left: 5_000, paused: true });
    expect(timerLeft({ timer_duration: 0, timer_ends_at: 0, timer_remaining: 0 }, 0).set).toBe(false);
    expect([formatLeft(0), formatLeft(1), formatLeft(59_001), formatLeft(300_000), formatLeft(3_600_000)]).toEqual(["0:00", "0:01", "1:00", "5:00", "1:00:00"]);
  });
  it("the session samples welcome.now and pong.now", () => {
    const sockets: FakeSocket[] = [];
    class FakeSocket {
      readyState = 0;
      binaryType = "";
      sent: unknown[] = [];
      onopen: (() => void) | null = null;
      onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
      onclose: ((e: { code: number }) => void) | null = null;
      onerror: (() => void) | null = null;
      constructor() { sockets.push(this); }
      send(data: Uint8Array) { this.sent.push(data); }
      close() {}
      receive(msg: unknown) {
        const b = encode(msg);
        this.onmessage?.({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer });
      }
    }
    const s = new Session({ url: "ws://x", board: "b", token: "t", name: "n", store: new MemoryStore(), WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    s.start();
    const ws = sockets[0]!;
    ws.readyState = 1;
    ws.onopen?.();
    const ahead = 3_600_000; // the device's clock is an hour behind
    ws.receive({ t: "welcome", v: 1, board: "b", role: "participant", actor: "a", identity: "i", epoch: "e", seq: 0, recovered: false, snapshot: null, heartbeat_ms: 15000, limits: {}, now: Date.now() + ahead });
    expect(Math.abs(s.clock.offset - ahead)).toBeLessThan(1000);
    ws.receive({ t: "pong", n: 1, now: Date.now() + ahead + 5 });
    expect(Math.abs(s.clock.offset - ahead)).toBeLessThan(1000);
    s.stop();
  });
  it("a close with 4105 is terminal: the session says removed and does not reconnect", () => {
    const sockets: { onclose: ((e: { code: number }) => void) | null; onopen: (() => void) | null }[] = [];
    class FakeSocket {
      readyState = 1; binaryType = ""; onopen: (() => void) | null = null; onmessage = null; onerror = null;
      onclose: ((e: { code: number }) => void) | null = null;
      constructor() { sockets.push(this); }
      send() {}
      close() {}
    }
    const s = new Session({ url: "ws://x", board: "b", token: "t", name: "n", store: new MemoryStore(), WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    s.start();
    sockets[0]!.onclose?.({ code: 4105 });
    expect(s.state).toBe("closed");
    expect(s.closeReason).toBe(4105);
    s.nudge();
    expect(sockets).toHaveLength(1);
  });
});
