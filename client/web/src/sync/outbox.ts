/** The outbox: ops the user made that the server has not confirmed yet.
 *
 * Persisted in the browser's storage on every change, so a reload, a crash or
 * a closed laptop loses nothing. Ops keep their id for life: a resend after a
 * reconnect carries the same id, and the server applies it at most once.
 */
import { binReplacer, binReviver } from "../protocol/notes";
import type { Op } from "../protocol/ops";

export interface PendingOp {
  id: string;
  op: Op;
  /** Not before this time (ms) may the op be resent (after a 1xx error). */
  retryAt?: number;
  /** The seq the server acked it with. It stays until the log passes that
   * seq: if the log lost its tail (SPEC §3), the op is resent, not lost. */
  acked?: number;
}

/** The part of the Web Storage API we use (tests pass a Map-backed fake). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class MemoryStore implements KeyValueStore {
  private readonly m = new Map<string, string>();
  getItem(key: string): string | null { return this.m.get(key) ?? null; }
  setItem(key: string, value: string): void { this.m.set(key, value); }
  removeItem(key: string): void { this.m.delete(key); }
}

const randomPrefix = (): string => {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 10);
};

export class Outbox {
  private ops: PendingOp[] = [];
  private counter = 0;
  private readonly prefix: string;

  constructor(private readonly store: KeyValueStore, private readonly key: string, prefix?: string) {
    this.prefix = prefix ?? randomPrefix();
    try {
      const raw = store.getItem(key);
      const parsed: unknown = raw ? JSON.parse(raw, binReviver) : [];
      if (Array.isArray(parsed)) {
        this.ops = parsed.filter((p): p is PendingOp => typeof p?.id === "string" && typeof p?.op?.type === "string");
      }
    } catch {
      this.ops = [];
    }
  }

  /** Queue an op under a fresh id (unique per device: random prefix + counter). */
  add(op: Op): PendingOp {
    const pending: PendingOp = { id: `${this.prefix}.${++this.counter}`, op };
    this.ops.push(pending);
    this.save();
    return pending;
  }

  /** Forget an op: acked, seen in the log, or refused for good. */
  remove(id: string): boolean {
    const n = this.ops.length;
    this.ops = this.ops.filter((p) => p.id !== id);
    if (this.ops.length !== n) this.save();
    return this.ops.length !== n;
  }

  /** The server put the op in the log at `seq`. */
  ack(id: string, seq: number): boolean {
    const p = this.ops.find((o) => o.id === id);
    if (!p || p.acked !== undefined) return false;
    p.acked = seq;
    this.save();
    return true;
  }

  /** Drop acked ops whose seq the log has passed (`seq` = confirmed seq):
   * their event is applied (or was a placeholder for us). */
  settle(seq: number): boolean {
    const n = this.ops.length;
    this.ops = this.ops.filter((p) => p.acked === undefined || p.acked > seq);
    if (this.ops.length !== n) this.save();
    return this.ops.length !== n;
  }

  /** A snapshot replaced the replica. Same epoch (`seq` = the snapshot's):
   * acked ops it covers are done, acked ops past it are resent. New epoch
   * (`seq` = null): old seqs mean nothing, every acked op is resent; the
   * server's exactly-once window acks again those the log holds. */
  reopen(seq: number | null): void {
    if (seq !== null) this.settle(seq);
    for (const p of this.ops) delete p.acked;
    this.save();
  }

  /** Ops to (re)send after a welcome, in the order they were made. */
  unacked(): readonly PendingOp[] {
    return this.ops.filter((p) => p.acked === undefined);
  }

  has(id: string): boolean {
    return this.ops.some((p) => p.id === id);
  }

  delay(id: string, until: number): void {
    const p = this.ops.find((o) => o.id === id);
    if (p) { p.retryAt = until; this.save(); }
  }

  /** Pending ops in the order they were made. */
  list(): readonly PendingOp[] {
    return this.ops;
  }

  get size(): number {
    return this.ops.length;
  }

  private save(): void {
    try {
      if (this.ops.length) this.store.setItem(this.key, JSON.stringify(this.ops, binReplacer));
      else this.store.removeItem(this.key);
    } catch {
      // Storage full or disabled: the ops stay in memory and are still resent.
    }
  }
}
