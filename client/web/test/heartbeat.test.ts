import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decode } from "@msgpack/msgpack";
import { encode } from "../src/protocol/codec";
import { CONNECT_TIMEOUT_MS, DEAD_MS, heartbeatAction, heartbeatConfig } from "../src/sync/heartbeat";
import { MemoryStore } from "../src/sync/outbox";
import { Session } from "../src/sync/session";

describe("heartbeat rules", () => {
  const cfg = heartbeatConfig(15_000);
  it("a busy link never pings for liveness; a quiet one pings once per idle period", () => {
    expect(heartbeatAction(cfg, 10_000, 9_500, 8_000)).toBe("wait");
    expect(heartbeatAction(cfg, 13_000, 10_000, 9_000)).toBe("ping");
    // Pinged at 13 s, still silent at 14 s: no second ping yet.
    expect(heartbeatAction(cfg, 14_000, 10_000, 13_000)).toBe("wait");
    expect(heartbeatAction(cfg, 16_000, 10_000, 13_000)).toBe("ping");
  });
  it("silence for deadMs is dead, well within 10 s", () => {
    expect(cfg.deadMs + cfg.tickMs).toBeLessThanOrEqual(10_000);
    expect(heartbeatAction(cfg, 10_000 + DEAD_MS, 10_000, 10_000 + DEAD_MS - 1)).toBe("dead");
    expect(heartbeatAction(cfg, 10_000 + DEAD_MS - 1, 10_000, 16_000)).toBe("wait");
  });
  it("pings for the clock at least every heartbeat_ms even when busy", () => {
    expect(heartbeatAction(cfg, 20_000, 19_999, 4_999)).toBe("ping");
  });
  it("a server asking for faster heartbeats only makes the rules shorter", () => {
    expect(heartbeatConfig(2_000)).toMatchObject({ pingIdleMs: 2_000, deadMs: 4_000, clockPingMs: 2_000 });
    expect(heartbeatConfig(0).deadMs).toBe(DEAD_MS);
    expect(heartbeatConfig(60_000).deadMs).toBe(DEAD_MS);
  });
});

/** A WebSocket that opens at once and answers the hello with a welcome;
 * `freeze` makes it go silent without closing (a dropped Wi-Fi). */
class FakeSocket {
  static all: FakeSocket[] = [];
  static answer = true;
  readyState = 0;
  binaryType = "arraybuffer";
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  frozen = false;
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    if (!FakeSocket.answer) return; // a hung upgrade: never opens
    setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
  }
  send(data: Uint8Array): void {
    const msg = decode(data) as Record<string, unknown>;
    this.sent.push(msg);
    if (this.frozen) return;
    if (msg.t === "hello") {
      this.reply({ t: "welcome", v: 1, board: "b1", role: "participant", actor: "a1", identity: "id", epoch: "e1", seq: 0, recovered: false, snapshot: null, heartbeat_ms: 15_000, limits: {}, now: Date.now() });
    } else if (msg.t === "ping") {
      this.reply({ t: "pong", n: msg.n, now: Date.now() });
    } else if (msg.t === "op") {
      this.reply({ t: "ack", id: msg.id, seq: 1 });
    }
  }
  private reply(msg: unknown): void {
    setTimeout(() => {
      if (this.frozen || this.readyState !== 1) return;
      const bytes = encode(msg);
      this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    }, 5);
  }
  /** A dead link: the close frame never arrives, so onclose never fires. */
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
}

describe("session on a link that goes silent", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    FakeSocket.answer = true;
  });
  afterEach(() => vi.useRealTimers());

  const session = () => new Session({
    url: "ws://x/ws", board: "b1", token: "tok", name: "Ann", store: new MemoryStore(),
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
  });

  it("stays connected while pongs come back, and pings only a few times a minute", async () => {
    const s = session();
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(s.state).toBe("connected");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.state).toBe("connected");
    const pings = FakeSocket.all[0]!.sent.filter((m) => m.t === "ping").length;
    expect(pings).toBeGreaterThan(5);
    expect(pings).toBeLessThanOrEqual(21); // one per 3 s of quiet, at most
    s.stop();
  });

  it("says offline within 10 s of a silent drop, marks the unsent card, and sends it on reconnect", async () => {
    const s = session();
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(s.state).toBe("connected");
    const first = FakeSocket.all[0]!;
    first.frozen = true;
    FakeSocket.answer = false; // reconnects hang too while the link is down
    s.submit({ type: "card.add", id: "c1", kind: "note", title: "T", body: "", color: "yellow", pos: "a0", x: 0, y: 0 });
    expect(s.unsavedCards()).toEqual(new Set(["c1"]));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.state).toBe("offline");
    expect(first.closedWith).toBe(4002);
    expect(s.unsent).toBe(1);
    // Still offline through hung attempts (each given up after CONNECT_TIMEOUT_MS).
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS * 2);
    expect(s.state).toBe("offline");
    const hung = FakeSocket.all.length;
    expect(hung).toBeGreaterThan(1);
    expect(FakeSocket.all[1]!.closedWith).toBe(4002); // the hung attempt was given up
    // The link comes back: the next attempt welcomes and resends the card with its id.
    FakeSocket.answer = true;
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + 31_000);
    expect(s.state).toBe("connected");
    const live = FakeSocket.all.at(-1)!;
    expect(live.sent.filter((m) => m.t === "op").map((m) => m.id)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(s.unsent).toBe(0);
    expect(s.unsavedCards().size).toBe(0);
    s.stop();
  });
});
