import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decode } from "@msgpack/msgpack";
import { MemoryStore } from "../src/sync/outbox";
import { Session } from "../src/sync/session";

/** Just enough browser for ui/links/token.ts in node. */
const fakeBrowser = (hash: string, path = "/b/B1") => {
  const store = new Map<string, string>();
  const replaced: string[] = [];
  const loc = { hash, pathname: path, search: "" };
  Object.assign(globalThis, {
    location: loc,
    history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => { replaced.push(url); loc.hash = ""; } },
    sessionStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  });
  return { store, replaced, loc };
};

describe("link tokens leave the address bar", () => {
  beforeEach(() => vi.resetModules());

  it("takes the token (and join link) from the fragment, stores it for this tab, and removes it", async () => {
    const browser = fakeBrowser("#t=abc.DEF-_x&join=http%3A%2F%2Fhub%2Fj%2FABCD2345");
    const { takeLink } = await import("../src/ui/links/token");
    expect(takeLink("screen", "B1")).toEqual({ token: "abc.DEF-_x", join: "http://hub/j/ABCD2345" });
    expect(browser.replaced).toEqual(["/b/B1"]);
    expect(takeLink("screen", "B1").token).toBe("abc.DEF-_x"); // same page load: same link
    // A reload of the tab: the address has no token now, the tab's storage has.
    vi.resetModules();
    const reloaded = await import("../src/ui/links/token");
    expect(reloaded.takeLink("screen", "B1")).toEqual({ token: "abc.DEF-_x", join: "http://hub/j/ABCD2345" });
    expect(reloaded.takeLink("b", "B1").token).toBe(""); // another page's link is not this one
    expect(browser.replaced).toEqual(["/b/B1"]);
  });

  it("a fresh link in the address wins over the stored one; a replaced token is remembered", async () => {
    const browser = fakeBrowser("#t=old");
    let mod = await import("../src/ui/links/token");
    expect(mod.takeLink("b", "B1").token).toBe("old");
    vi.resetModules();
    browser.loc.hash = "#t=new+plus";
    mod = await import("../src/ui/links/token");
    expect(mod.takeLink("b", "B1").token).toBe("new+plus"); // opaque: "+" stays "+"
    mod.updateLink("b", "B1", { token: "newer" });
    vi.resetModules();
    mod = await import("../src/ui/links/token");
    expect(mod.takeLink("b", "B1").token).toBe("newer");
  });

  it("keeps access codes per board in the tab", async () => {
    fakeBrowser("");
    const { storeCode, storedCode } = await import("../src/ui/links/token");
    expect(storedCode("B1")).toBe("");
    storeCode("B1", "K7R2");
    expect(storedCode("B1")).toBe("K7R2");
    expect(storedCode("B2")).toBe("");
    storeCode("B1", "");
    expect(storedCode("B1")).toBe("");
  });
});

/** A WebSocket the test drives: records hellos, closes on command. */
class FakeSocket {
  static all: FakeSocket[] = [];
  binaryType = "";
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: Uint8Array): void {
    this.sent.push(decode(data) as Record<string, unknown>);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  close(code = 1000, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

describe("session: replaced links and access codes", () => {
  afterEach(() => { FakeSocket.all = []; });
  const session = (token = "T0") =>
    new Session({ url: "ws://x/ws", board: "B1", token, name: "Ann", store: new MemoryStore(), WebSocketImpl: FakeSocket as unknown as typeof WebSocket });

  it("a 4102 for its own replaced link reconnects with the new token", () => {
    const s = session();
    s.start();
    FakeSocket.all[0]!.open();
    expect(FakeSocket.all[0]!.sent[0]).toMatchObject({ t: "hello", token: "T0" });
    s.setToken("T1");
    FakeSocket.all[0]!.close(4102, "this link was replaced");
    expect(s.state).not.toBe("closed");
    FakeSocket.all[1]!.open();
    expect(FakeSocket.all[1]!.sent[0]).toMatchObject({ t: "hello", token: "T1" });
    expect(FakeSocket.all[1]!.sent[0]).not.toHaveProperty("code");
    s.stop();
  });

  it("a 4102 for the token it holds ends the session with the reason", () => {
    const s = session();
    s.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.close(4102, "this link was replaced: ask the facilitator for the new one");
    expect(s.state).toBe("closed");
    expect(s.closeReason).toBe(4102);
    expect(s.closeText).toContain("replaced");
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("after 4106 a typed access code starts it again, with the code in the hello", () => {
    const s = session();
    s.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.close(4106, "this board asks for an access code");
    expect(s.state).toBe("closed");
    s.setAccessCode("K7R2");
    expect(s.state).toBe("connecting");
    FakeSocket.all[1]!.open();
    expect(FakeSocket.all[1]!.sent[0]).toMatchObject({ t: "hello", token: "T0", code: "K7R2" });
    s.stop();
  });
});
