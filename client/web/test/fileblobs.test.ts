import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acquire, BLOB_GRACE_MS, BLOB_RETRY_MS, cachedCount } from "../src/ui/files/blobs";

const ID = "ab".repeat(32);
let calls: { url: string; headers: Record<string, string> }[] = [];
let answers: number[] = [];
let made = 0;
let revoked: string[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  calls = [];
  answers = [];
  made = 0;
  revoked = [];
  vi.stubGlobal("fetch", async (url: string, init: { headers: Record<string, string> }) => {
    calls.push({ url, headers: init.headers });
    const status = answers.shift() ?? 200;
    return { ok: status === 200, status, blob: async () => new Blob(["x"]) };
  });
  vi.stubGlobal("URL", { createObjectURL: () => `blob:${++made}`, revokeObjectURL: (u: string) => revoked.push(u) });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const access = { board: "b1", token: "tok" };
const settle = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

describe("blob: URLs of board files", () => {
  it("fetch once with the link token, share the URL, revoke it a grace period after the last release", async () => {
    const a = acquire(access, ID, "thumb");
    const b = acquire(access, ID, "thumb");
    expect(await a.promise).toBe("blob:1");
    expect(await b.promise).toBe("blob:1");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`/api/boards/b1/files/${ID}/thumb`);
    expect(calls[0]!.headers.Authorization).toBe("Bearer tok");
    a.release();
    a.release(); // twice is once
    b.release();
    await vi.advanceTimersByTimeAsync(BLOB_GRACE_MS - 1);
    // Taken again within the grace period: the same URL, no new fetch.
    const c = acquire(access, ID, "thumb");
    expect(await c.promise).toBe("blob:1");
    c.release();
    await vi.advanceTimersByTimeAsync(BLOB_GRACE_MS);
    expect(revoked).toEqual(["blob:1"]);
    expect(cachedCount()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it("keeps the file and its thumbnail apart, and boards apart", async () => {
    const a = acquire(access, ID, "thumb");
    const b = acquire(access, ID, "full");
    const c = acquire({ board: "b2", token: "t2" }, ID, "thumb");
    await Promise.all([a.promise, b.promise, c.promise]);
    expect(calls.map((x) => x.url)).toEqual([`/api/boards/b1/files/${ID}/thumb`, `/api/boards/b1/files/${ID}`, `/api/boards/b2/files/${ID}/thumb`]);
    for (const r of [a, b, c]) r.release();
    await vi.advanceTimersByTimeAsync(BLOB_GRACE_MS);
  });

  it("retries a 404 (the author's card not yet appended) and gives up on a refused link", async () => {
    answers = [404, 404, 200];
    const a = acquire(access, ID, "thumb");
    await settle();
    await vi.advanceTimersByTimeAsync(BLOB_RETRY_MS[0] + BLOB_RETRY_MS[1]);
    expect(await a.promise).toBe("blob:1");
    expect(calls).toHaveLength(3);
    a.release();
    await vi.advanceTimersByTimeAsync(BLOB_GRACE_MS);

    calls = [];
    answers = [403];
    const b = acquire(access, ID, "full");
    await expect(b.promise).rejects.toThrow("403");
    expect(calls).toHaveLength(1);
    // A failure is not cached: the next look asks again.
    const c = acquire(access, ID, "full");
    expect(await c.promise).toMatch(/^blob:/);
    b.release();
    c.release();
    await vi.advanceTimersByTimeAsync(BLOB_GRACE_MS);
  });
});
