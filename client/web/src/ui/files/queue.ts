/** The upload queue as pure state: which uploads wait, run, finished or
 * failed, and how far each got. The I/O (XMLHttpRequest) lives in
 * upload.ts; the component feeds its events through `reduceQueue`, so the
 * rules — how many run at once, how many a card may still take, what a
 * cancel or a late event does — are unit-tested (test/files.test.ts). */
import type { Attachment } from "./types";
import type { UploadError } from "./messages";

/** Uploads that run at the same time; the rest wait their turn. Three keeps
 * a phone's uplink busy without one big photo starving the others, and
 * stays well under a browser's six connections per host (the WebSocket and
 * the thumbnail fetches need some too). */
export const MAX_PARALLEL_UPLOADS = 3;

/** Where a finished upload goes: a card that exists (its files grow), a new
 * card (made when the file is in), or held by the editor until Save. */
export type UploadTarget =
  | { kind: "card"; card: string }
  | { kind: "new"; x: number; y: number; section: string }
  | { kind: "editor" };

export type UploadStatus = "queued" | "uploading" | "done" | "failed" | "canceled";

export interface Upload {
  /** Unique within the queue (not the file id: that is known only after). */
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly target: UploadTarget;
  readonly status: UploadStatus;
  /** Bytes sent so far. */
  readonly loaded: number;
  readonly error: UploadError | null;
  readonly attachment: Attachment | null;
}

export type QueueEvent =
  | { type: "add"; key: string; name: string; size: number; target: UploadTarget }
  /** Refused before it started (e.g. the card is full): shown as failed. */
  | { type: "refuse"; key: string; name: string; size: number; target: UploadTarget; error: UploadError }
  | { type: "start"; key: string }
  | { type: "progress"; key: string; loaded: number }
  | { type: "done"; key: string; attachment: Attachment }
  | { type: "fail"; key: string; error: UploadError }
  | { type: "cancel"; key: string }
  | { type: "dismiss"; key: string };

const FINAL: ReadonlySet<UploadStatus> = new Set(["done", "failed", "canceled"]);

/** True when an upload has ended one way or another. */
export const isFinal = (u: Upload): boolean => FINAL.has(u.status);

/** The queue after an event. An event for an upload that has already ended
 * (a progress report racing a cancel, a late "done" after an abort) changes
 * nothing: the first ending stands. */
export const reduceQueue = (q: readonly Upload[], e: QueueEvent): Upload[] => {
  if (e.type === "add" || e.type === "refuse") {
    if (q.some((u) => u.key === e.key)) return [...q];
    const failed = e.type === "refuse";
    return [...q, {
      key: e.key, name: e.name, size: e.size, target: e.target, loaded: 0, attachment: null,
      status: failed ? "failed" : "queued", error: failed ? e.error : null,
    }];
  }
  if (e.type === "dismiss") return q.filter((u) => u.key !== e.key || !isFinal(u));
  return q.map((u) => {
    if (u.key !== e.key || isFinal(u)) return u;
    switch (e.type) {
      case "start": return u.status === "queued" ? { ...u, status: "uploading" } : u;
      case "progress": return { ...u, loaded: Math.max(u.loaded, Math.min(e.loaded, u.size)) };
      case "done": return { ...u, status: "done", loaded: u.size, attachment: e.attachment };
      case "fail": return { ...u, status: "failed", error: e.error };
      case "cancel": return { ...u, status: "canceled" };
    }
  });
};

/** Uploads that may start now: the oldest waiting ones, up to the free slots. */
export const toStart = (q: readonly Upload[], parallel = MAX_PARALLEL_UPLOADS): Upload[] => {
  const running = q.filter((u) => u.status === "uploading").length;
  return q.filter((u) => u.status === "queued").slice(0, Math.max(0, parallel - running));
};

/** How far an upload got, 0..1 (an empty file counts as done once done). */
export const fraction = (u: Upload): number =>
  u.status === "done" ? 1 : u.size > 0 ? Math.min(1, u.loaded / u.size) : 0;

/** Uploads still on their way to a card (waiting or running). */
export const pendingFor = (q: readonly Upload[], card: string): number =>
  q.filter((u) => !isFinal(u) && u.target.kind === "card" && u.target.card === card).length;

/** Split files offered to a card into those it can still take and the rest:
 * a card holds at most `max` files, counting those it has and those on
 * their way. */
export const admit = <T>(files: readonly T[], has: number, pending: number, max: number): { take: T[]; refuse: T[] } => {
  const room = Math.max(0, max - has - pending);
  return { take: files.slice(0, room), refuse: files.slice(room) };
};

/** What the tray shows: everything not yet dismissed, except finished
 * uploads (their result is on the board) and cancels (the user did that). */
export const visible = (q: readonly Upload[]): Upload[] => q.filter((u) => u.status !== "done" && u.status !== "canceled");
