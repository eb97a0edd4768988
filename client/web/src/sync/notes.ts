/** One notes document as this browser edits it (the twin of client/notes.py).
 *
 * `doc` is the Y.Doc the editor binds to. It holds the board's confirmed
 * document (the replica, fed by the log) plus what this person typed and the
 * server has not confirmed yet. Local transactions are collected and sent as
 * one `notes.update` op per NOTES_BATCH_MS through the session's outbox
 * (acked, resent after a reconnect, kept across a reload). Remote updates
 * reach `doc` as the difference between the confirmed document and `doc`,
 * so only what the log made of them ever shows.
 *
 * A refused update (a locked board, a full document) never reached the log.
 * It is noticed when its op has left the outbox but the confirmed document
 * lacks its clocks; `doc` is then rebuilt from the confirmed document plus
 * the updates still in the outbox, under a new Yjs client id (the refused
 * clocks must never be reused), and `generation` goes up so the editor
 * binds to the new document. */
import * as Y from "yjs";
import { NOTES_BATCH_MS, MAX_NOTES_UPDATE, TEXT_NAME, newDoc } from "../protocol/notes";
import type { NotesUpdate } from "../protocol/ops";
import type { Session } from "./session";

/** Origin of transactions that bring in what the log holds: never sent back. */
export const REMOTE = Symbol("remote");

export class NotesSync {
  doc: Y.Doc;
  /** Goes up whenever `doc` is replaced (the editor rebinds). */
  generation = 0;
  private buffer: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Updates we sent, until the log shows them (or they are found refused). */
  private sent: Uint8Array[] = [];
  private unsubscribe: (() => void) | null = null;
  onRebuild: (() => void) | null = null;

  constructor(readonly session: Session, readonly key: string) {
    this.doc = this.build();
  }

  get text(): Y.Text {
    return this.doc.getText(TEXT_NAME);
  }

  start(): void {
    this.unsubscribe = this.session.subscribe(() => this.sync());
    this.sync();
  }

  stop(): void {
    this.flush();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Send what was typed now (also at the end of each batch). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.buffer.length) return;
    const update = this.buffer.length === 1 ? this.buffer[0]! : Y.mergeUpdates(this.buffer);
    this.buffer = [];
    if (update.length > MAX_NOTES_UPDATE) {
      // Too much at once (a huge paste): it would be refused; show the board's text.
      this.rebuild();
      return;
    }
    this.sent.push(update);
    const op: NotesUpdate = { type: "notes.update", doc: this.key, update };
    this.session.submit(op);
  }

  /** The confirmed document changed, or an op settled: take in the log's
   * changes and notice refused updates. */
  sync(): void {
    const confirmed = this.session.replica.confirmed.notes.get(this.key);
    if (this.sent.length) {
      const sv = confirmed ? Y.decodeStateVector(Y.encodeStateVector(confirmed)) : new Map<number, number>();
      const waiting = new Set(this.pendingUpdates());
      const still: Uint8Array[] = [];
      for (const u of this.sent) {
        if (covered(u, sv)) continue; // in the log
        if (!waiting.has(u)) return this.rebuild(); // left the outbox, not in the log: refused
        still.push(u);
      }
      this.sent = still;
    }
    if (confirmed) {
      const diff = Y.encodeStateAsUpdate(confirmed, Y.encodeStateVector(this.doc));
      Y.applyUpdate(this.doc, diff, REMOTE);
    }
  }

  private pendingUpdates(): Uint8Array[] {
    return this.session.replica.outbox.list()
      .map((p) => p.op)
      .filter((op): op is NotesUpdate => op.type === "notes.update" && op.doc === this.key)
      .map((op) => op.update);
  }

  private build(): Y.Doc {
    const confirmed = this.session.replica.confirmed.notes.get(this.key);
    const d = newDoc(confirmed ? Y.encodeStateAsUpdate(confirmed) : null);
    // Our own updates still on their way (also those kept across a reload).
    for (const u of this.pendingUpdates()) {
      try { Y.applyUpdate(d, u, REMOTE); } catch { /* unreadable: the server refuses it too */ }
    }
    d.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      this.buffer.push(update);
      if (this.timer === null) this.timer = setTimeout(() => this.flush(), NOTES_BATCH_MS);
    });
    return d;
  }

  private rebuild(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = [];
    this.sent = [];
    this.doc.destroy();
    this.doc = this.build();
    this.generation += 1;
    this.onRebuild?.();
  }
}

/** True when the document's state vector holds every clock the update adds. */
const covered = (update: Uint8Array, sv: Map<number, number>): boolean => {
  const { to } = Y.parseUpdateMeta(update);
  for (const [client, clock] of to) if ((sv.get(client) ?? 0) < clock) return false;
  return true;
};
