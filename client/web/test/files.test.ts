import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "../src/i18n";
import { emptyState, newCard, newSection } from "../src/protocol/model";
import { errorMessage, formatSize, uploadError } from "../src/ui/files/messages";
import { addFileOp, altText, newCardOp, removeFileOp } from "../src/ui/files/ops";
import { admit, fraction, isFinal, pendingFor, reduceQueue, toStart, visible, MAX_PARALLEL_UPLOADS, type QueueEvent, type Upload } from "../src/ui/files/queue";
import { FILE_CATALOGS } from "../src/ui/files/strings";
import { asAttachment, cardFiles, MAX_FILES_PER_CARD, sameFiles, type Attachment } from "../src/ui/files/types";
import { uploadName } from "../src/ui/files/uploader";
import { stepIndex } from "../src/ui/files/viewer";

(globalThis as { document?: unknown }).document ??= { documentElement: {} };
afterEach(() => setLang("en"));

const att = (n: number, p: Partial<Attachment> = {}): Attachment => ({
  id: n.toString(16).padStart(64, "0"), name: `photo-${n}.jpg`, type: "image/jpeg", size: 1000 * n, kind: "image", w: 400, h: 300, thumb: true, ...p,
});
const run = (events: QueueEvent[]): Upload[] => events.reduce<Upload[]>((q, e) => reduceQueue(q, e), []);
const add = (key: string, size = 100): QueueEvent => ({ type: "add", key, name: `${key}.jpg`, size, target: { kind: "card", card: "c1" } });

describe("upload queue", () => {
  it("starts at most MAX_PARALLEL_UPLOADS, oldest first, and the next when one ends", () => {
    let q = run(["a", "b", "c", "d", "e"].map((k) => add(k)));
    expect(toStart(q).map((u) => u.key)).toEqual(["a", "b", "c"].slice(0, MAX_PARALLEL_UPLOADS));
    for (const u of toStart(q)) q = reduceQueue(q, { type: "start", key: u.key });
    expect(toStart(q)).toEqual([]);
    q = reduceQueue(q, { type: "done", key: "b", attachment: att(1) });
    expect(toStart(q).map((u) => u.key)).toEqual(["d"]);
    q = reduceQueue(q, { type: "cancel", key: "a" });
    expect(toStart(q).map((u) => u.key)).toEqual(["d", "e"]);
  });

  it("tracks progress within the file's size, and never backwards", () => {
    let q = run([add("a", 200), { type: "start", key: "a" }, { type: "progress", key: "a", loaded: 150 }]);
    expect(fraction(q[0]!)).toBe(0.75);
    q = reduceQueue(q, { type: "progress", key: "a", loaded: 100 });
    expect(q[0]!.loaded).toBe(150);
    q = reduceQueue(q, { type: "progress", key: "a", loaded: 10_000 });
    expect(fraction(q[0]!)).toBe(1);
  });

  it("lets the first ending stand: nothing after a cancel, a failure or a done changes it", () => {
    const cancelled = run([add("a"), { type: "start", key: "a" }, { type: "cancel", key: "a" },
      { type: "progress", key: "a", loaded: 50 }, { type: "done", key: "a", attachment: att(1) }]);
    expect(cancelled[0]).toMatchObject({ status: "canceled", loaded: 0, attachment: null });
    const failed = run([add("a"), { type: "fail", key: "a", error: { code: "too_large", detail: "" } }, { type: "done", key: "a", attachment: att(1) }]);
    expect(failed[0]).toMatchObject({ status: "failed", error: { code: "too_large" } });
    expect(isFinal(failed[0]!)).toBe(true);
  });

  it("shows failures until dismissed, hides what is done or cancelled, and dismisses only ended uploads", () => {
    let q = run([add("a"), add("b"), add("c"), { type: "fail", key: "a", error: { code: "invalid", detail: "" } },
      { type: "done", key: "b", attachment: att(2) }]);
    expect(visible(q).map((u) => u.key)).toEqual(["a", "c"]);
    q = reduceQueue(q, { type: "dismiss", key: "c" });
    expect(q.map((u) => u.key)).toEqual(["a", "b", "c"]);
    q = reduceQueue(q, { type: "dismiss", key: "a" });
    expect(visible(q).map((u) => u.key)).toEqual(["c"]);
  });

  it("shows a refused file at once as failed, and never adds a key twice", () => {
    const q = run([{ type: "refuse", key: "x", name: "x.jpg", size: 5, target: { kind: "editor" }, error: { code: "too_many", detail: "" } }, add("a"), add("a")]);
    expect(q.map((u) => [u.key, u.status])).toEqual([["x", "failed"], ["a", "queued"]]);
    expect(toStart(q).map((u) => u.key)).toEqual(["a"]);
  });

  it("admits only what a card still has room for, counting uploads on their way", () => {
    expect(admit(["a", "b", "c"], 2, 1, MAX_FILES_PER_CARD)).toEqual({ take: ["a", "b", "c"], refuse: [] });
    expect(admit(["a", "b", "c"], 4, 1, MAX_FILES_PER_CARD)).toEqual({ take: ["a"], refuse: ["b", "c"] });
    expect(admit(["a"], 7, 0, MAX_FILES_PER_CARD)).toEqual({ take: [], refuse: ["a"] });
    const q = run([add("a"), add("b"), { type: "cancel", key: "b" }]);
    expect(pendingFor(q, "c1")).toBe(1);
    expect(pendingFor(q, "c2")).toBe(0);
  });
});

describe("upload errors and sizes", () => {
  it("reads the server's JSON error code, else the status, and a cut connection", () => {
    expect(uploadError(413, JSON.stringify({ error: "too_large", message: "over 25 MB" }))).toEqual({ code: "too_large", detail: "over 25 MB" });
    expect(uploadError(415, JSON.stringify({ error: "unsupported_type", message: "text/html" })).code).toBe("unsupported_type");
    expect(uploadError(422, "<html>bad</html>").code).toBe("invalid");
    expect(uploadError(403, "").code).toBe("forbidden");
    expect(uploadError(0, "").code).toBe("network");
    expect(uploadError(502, "<html>Bad gateway</html>")).toEqual({ code: "server", detail: "HTTP 502" });
    expect(uploadError(500, JSON.stringify({ error: "boom", message: "disk full" }))).toEqual({ code: "server", detail: "disk full" });
  });

  it("says what went wrong with the file's name and size, in both languages", () => {
    expect(errorMessage({ code: "too_large", detail: "" }, "sketch.jpg", 31_400_000, 6)).toBe("“sketch.jpg” (31 MB) is too big for this board.");
    expect(errorMessage({ code: "unsupported_type", detail: "" }, "page.png", 10, 6)).toContain("not allowed");
    expect(errorMessage({ code: "too_many", detail: "" }, "a.jpg", 10, 6)).toContain("at most 6 files");
    expect(errorMessage({ code: "server", detail: "HTTP 502" }, "a.jpg", 10, 6)).toContain("HTTP 502");
    setLang("nl");
    expect(errorMessage({ code: "too_large", detail: "" }, "schets.jpg", 3_450_000, 6)).toBe("“schets.jpg” (3,5 MB) is te groot voor dit bord.");
  });

  it("formats sizes in decimal units", () => {
    expect([0, 999, 1000, 1234, 99_500, 3_400_000, 12_000_000_000].map(formatSize)).toEqual(["0 B", "999 B", "1 KB", "1.2 KB", "100 KB", "3.4 MB", "12 GB"]);
  });

  it("keeps the English and Dutch messages in step", () => {
    expect(Object.keys(FILE_CATALOGS.nl).sort()).toEqual(Object.keys(FILE_CATALOGS.en).sort());
    for (const [k, v] of Object.entries(FILE_CATALOGS.en)) {
      const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(params(FILE_CATALOGS.nl[k as keyof typeof FILE_CATALOGS.nl]), k).toEqual(params(v));
    }
  });
});

describe("file ops", () => {
  it("adds a file to a card's list, but not to a full card, a gone card or twice", () => {
    const card = newCard("c1", { title: "Wall", files: [att(1)] });
    expect(addFileOp(card, att(2))).toEqual({ type: "card.set", id: "c1", files: [att(1), att(2)] });
    expect(addFileOp(card, att(1))).toBeNull();
    expect(addFileOp(undefined, att(2))).toBeNull();
    expect(addFileOp({ ...card, deleted: true }, att(2))).toBeNull();
    const full = newCard("c2", { files: Array.from({ length: MAX_FILES_PER_CARD }, (_, i) => att(i + 1)) });
    expect(addFileOp(full, att(99))).toBeNull();
  });

  it("makes a new card for a dropped file where it was dropped, in a live column only", () => {
    const s = emptyState("b");
    s.sections.set("s1", newSection("s1", { title: "Ideas" }));
    const op = newCardOp(s, "n1", att(3), { kind: "new", x: 120.4, y: 80.6, section: "s1" });
    expect(op).toMatchObject({ type: "card.add", id: "n1", title: "", body: "", files: [att(3)], section: "s1", x: 120, y: 81 });
    expect(typeof op.pos).toBe("string");
    const gone = newCardOp(s, "n2", att(3), { kind: "new", x: 0, y: 0, section: "nope" });
    expect("section" in gone).toBe(false);
  });

  it("removes one file, or the card when the file is all it holds", () => {
    const two = newCard("c1", { files: [att(1), att(2)] });
    expect(removeFileOp(two, att(1).id)).toEqual({ op: { type: "card.set", id: "c1", files: [att(2)] }, last: false });
    const only = newCard("c2", { files: [att(1)] });
    expect(removeFileOp(only, att(1).id)).toEqual({ op: { type: "card.delete", id: "c2" }, last: true });
    const titled = newCard("c3", { title: "Sketch", files: [att(1)] });
    expect(removeFileOp(titled, att(1).id)).toEqual({ op: { type: "card.set", id: "c3", files: [] }, last: false });
    expect(removeFileOp(titled, att(9).id)).toBeNull();
  });

  it("uses the card's title as alt text, else the file name; reads old cards as having no files", () => {
    expect(altText(newCard("c", { title: "Whiteboard, day 2" }), att(1))).toBe("Whiteboard, day 2");
    expect(altText(newCard("c"), att(1))).toBe("photo-1.jpg");
    expect(altText(newCard("c", { title: "Wall", files: [att(1), att(2)] }), att(2))).toBe("Wall (photo-2.jpg)");
    const old = newCard("c");
    delete (old as { files?: unknown }).files;
    expect(cardFiles(old)).toEqual([]);
    expect(sameFiles([att(1), att(2)], [att(1), att(2)])).toBe(true);
    expect(sameFiles([att(1), att(2)], [att(2), att(1)])).toBe(false);
  });
});

describe("the server's answer and small helpers", () => {
  it("accepts only a well-formed Attachment", () => {
    expect(asAttachment(att(1))).toEqual(att(1));
    expect(asAttachment({ ...att(1), extra: "<script>" })).toEqual(att(1));
    expect(asAttachment({ ...att(1), id: "../../etc/passwd" })).toBeNull();
    expect(asAttachment({ ...att(1), kind: "exe" })).toBeNull();
    expect(asAttachment({ ...att(1), size: -1 })).toBeNull();
    expect(asAttachment("nope")).toBeNull();
    expect(asAttachment(null)).toBeNull();
  });

  it("names a pasted screenshot by its time", () => {
    const at = new Date(2026, 10, 30, 9, 5, 7);
    expect(uploadName({ name: "image.png", type: "image/png" }, at)).toBe("2026-11-30 09.05.07.png");
    expect(uploadName({ name: "", type: "image/jpeg" }, at)).toBe("2026-11-30 09.05.07.jpeg");
    expect(uploadName({ name: " sketch.jpg ", type: "image/jpeg" }, at)).toBe("sketch.jpg");
  });

  it("steps through a card's files around the ends", () => {
    expect([stepIndex(0, 1, 3), stepIndex(2, 1, 3), stepIndex(0, -1, 3), stepIndex(0, 1, 0)]).toEqual([1, 0, 2, 0]);
  });
});
