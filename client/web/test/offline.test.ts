import { describe, expect, it } from "vitest";
import { emptyState, newCard } from "../src/protocol/model";
import { BoardCache, cacheKey, linkTag } from "../src/sync/cache";
import { MemoryStore } from "../src/sync/outbox";
import { Session, outboxKey } from "../src/sync/session";
import { strategyFor } from "../src/sw/strategy";

const O = "https://hub.example";
const at = (path: string, mode = "navigate", method = "GET", origin = O) => strategyFor(new URL(path, origin), method, mode, O);

describe("service worker strategy", () => {
  it("pages network-first, hashed assets cache-first, the rest untouched", () => {
    for (const p of ["/", "/index.html", "/b/abc_D-1", "/b/abc/", "/screen/x1", "/login", "/my", "/setup"]) expect(at(p), p).toBe("page");
    expect(at("/assets/index-abc.js", "no-cors")).toBe("asset");
    expect(at("/assets/index-abc.css", "cors")).toBe("asset");
    for (const p of ["/api/boards", "/ws", "/j/abc", "/metrics", "/sw.js", "/b/", "/b/a/b"]) expect(at(p), p).toBeNull();
    expect(at("/b/abc", "cors")).toBeNull(); // a fetch of a page path is not a navigation
    expect(at("/", "navigate", "POST")).toBeNull();
    expect(at("/assets/x.js", "no-cors", "GET", "https://elsewhere.example")).toBeNull();
  });
});

describe("board cache", () => {
  const state = () => {
    const s = emptyState("b1");
    s.seq = 7;
    s.settings.title = "Kept";
    s.cards.set("c1", newCard("c1", { title: "Hello", author: "a1" }));
    s.cards.set("__proto__", newCard("__proto__", { title: "odd id" }));
    return s;
  };

  it("round-trips the board, per board and link", () => {
    const store = new MemoryStore();
    const c = new BoardCache(store, cacheKey("b1", "tok"), "b1");
    c.schedule(() => ({ state: state(), actor: "a1", role: "participant", at: 1 }));
    c.flush();
    const back = new BoardCache(store, cacheKey("b1", "tok"), "b1").load();
    expect(back?.state.settings.title).toBe("Kept");
    expect(back?.state.cards.get("c1")?.title).toBe("Hello");
    expect(back?.state.cards.get("__proto__")?.title).toBe("odd id");
    expect(back?.state.seq).toBe(7);
    expect(back?.role).toBe("participant");
    expect(new BoardCache(store, cacheKey("b1", "other-link"), "b1").load()).toBeNull();
    expect(new BoardCache(store, cacheKey("b1", "tok"), "b2").load()).toBeNull();
    expect(linkTag("tok")).not.toBe(linkTag("tok2"));
    expect(cacheKey("b1", "secret-token")).not.toContain("secret");
  });

  it("survives garbage and forgets on clear", () => {
    const store = new MemoryStore();
    const key = cacheKey("b1", "tok");
    store.setItem(key, "{nope");
    expect(new BoardCache(store, key, "b1").load()).toBeNull();
    store.setItem(key, JSON.stringify({ v: 1, actor: "a", role: "king", state: {} }));
    expect(new BoardCache(store, key, "b1").load()).toBeNull();
    const c = new BoardCache(store, key, "b1");
    c.schedule(() => ({ state: state(), actor: "a1", role: "viewer", at: 1 }));
    c.flush();
    expect(store.getItem(key)).not.toBeNull();
    c.clear();
    expect(store.getItem(key)).toBeNull();
  });

  it("a full store keeps nothing stale", () => {
    const full = new MemoryStore();
    full.setItem = () => { throw new Error("QuotaExceededError"); };
    const c = new BoardCache(full, cacheKey("b1", "t"), "b1");
    c.schedule(() => ({ state: state(), actor: "a1", role: "viewer", at: 1 }));
    expect(() => c.flush()).not.toThrow();
    expect(c.load()).toBeNull();
  });

  it("a session starts from the cached board (for display), with its outbox on top, and never resumes from it", () => {
    const store = new MemoryStore();
    const c = new BoardCache(store, cacheKey("b1", "tok"), "b1");
    c.schedule(() => ({ state: state(), actor: "a1", role: "participant", at: 1 }));
    c.flush();
    store.setItem(outboxKey("b1"), JSON.stringify([{ id: "d.1", op: { type: "card.add", id: "c2", kind: "note", title: "Unsent", body: "", color: "yellow", pos: "a1", x: 0, y: 0 } }]));
    const s = new Session({ url: "ws://x", board: "b1", token: "tok", name: "Ann", store, WebSocketImpl: class {} as unknown as typeof WebSocket });
    expect(s.replica.restored).toBe(true);
    expect(s.replica.resumePoint()).toBeUndefined();
    const view = s.replica.view();
    expect(view.cards.get("c1")?.title).toBe("Hello");
    expect(view.cards.get("c2")?.title).toBe("Unsent");
    expect(s.unsavedCards()).toEqual(new Set(["c2"]));
    // The first welcome replaces it with the server's snapshot.
    s.replica.welcome({ epoch: "e1", seq: 0, recovered: false, snapshot: null, actor: "a1", role: "participant" });
    expect(s.replica.restored).toBe(false);
    expect(s.replica.confirmed.cards.size).toBe(0);
  });
});
