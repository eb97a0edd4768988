/** The replica: confirmed state (the log applied in seq order) plus the
 * optimistic view (confirmed + the outbox's ops on top). Pure: no sockets,
 * no timers, so the resume and outbox rules are unit-tested directly. */
import { cloneState, emptyState, fromWire, type BoardState, type Role } from "../protocol/model";
import type { Op } from "../protocol/ops";
import { check } from "../protocol/policy";
import { apply, applyOp, type Event } from "../protocol/reducer";
import type { CachedBoard } from "./cache";
import type { Outbox } from "./outbox";

export type EventResult = "applied" | "duplicate" | "gap";

export class Replica {
  confirmed: BoardState;
  /** The board's log epoch; null until the first welcome. */
  epoch: string | null = null;
  private viewCache: BoardState | null = null;
  actor = "";
  name = "";
  role: Role = "viewer";
  /** Showing the board from the device's cache (sync/cache.ts), not yet
   * welcomed: drawn, and written to (the outbox), but never resumed from. */
  restored = false;
  /** Fired for each applied event (live highlight, "new card" notices). */
  onEvent: ((e: Event) => void) | null = null;

  constructor(readonly board: string, readonly outbox: Outbox) {
    this.confirmed = emptyState(board);
  }

  /** What to put in `hello.resume`, or undefined for a fresh join. */
  resumePoint(): { epoch: string; seq: number } | undefined {
    return this.epoch === null ? undefined : { epoch: this.epoch, seq: this.confirmed.seq };
  }

  /** Show a cached board until the first welcome replaces it. The epoch
   * stays null, so that welcome is a fresh snapshot, never a resume. */
  restore(c: CachedBoard): void {
    if (this.epoch !== null) return;
    this.confirmed = c.state;
    this.actor = c.actor;
    this.role = c.role;
    this.restored = true;
    this.invalidate();
  }

  /** A welcome: keep our replica (recovered) or replace it with the snapshot. */
  welcome(w: { epoch: string; seq: number; recovered: boolean; snapshot?: Record<string, unknown> | null; actor: string; role: Role }): void {
    this.actor = w.actor;
    this.role = w.role;
    this.restored = false;
    if (!w.recovered) {
      // Never merge: the snapshot replaces the replica (SPEC §3, Resume).
      this.confirmed = w.snapshot ? fromWire(w.snapshot) : emptyState(this.board);
      this.confirmed.seq = w.seq;
      this.outbox.reopen(this.epoch === null || this.epoch === w.epoch ? w.seq : null);
    } else if (this.epoch !== w.epoch) {
      this.outbox.reopen(null);
    }
    this.epoch = w.epoch;
    this.invalidate();
  }

  /** Apply one event in order. A gap means: reconnect with resume. */
  apply(e: Event): EventResult {
    if (e.seq <= this.confirmed.seq) return "duplicate";
    if (e.seq > this.confirmed.seq + 1) return "gap";
    apply(this.confirmed, e);
    // The event proves the op is in the log: it leaves the outbox now, so
    // the view never applies it twice (its ack may come later or never).
    if (e.actor === this.actor && e.op_id) this.outbox.remove(e.op_id);
    this.outbox.settle(this.confirmed.seq);
    this.invalidate();
    this.onEvent?.(e);
    return "applied";
  }

  /** The optimistic view: confirmed state plus pending ops the policy allows. */
  view(): BoardState {
    if (this.viewCache) return this.viewCache;
    if (this.outbox.size === 0) return (this.viewCache = this.confirmed);
    const v = cloneState(this.confirmed);
    const now = Date.now();
    for (const p of this.outbox.list()) {
      if (check(v, p.op, this.actor, this.role) === null) applyOp(v, p.op, this.actor, this.name, now, this.role);
    }
    return (this.viewCache = v);
  }

  /** Would this op be allowed on the current view? (UI gating.) */
  allows(op: Op): boolean {
    return check(this.view(), op, this.actor, this.role) === null;
  }

  invalidate(): void {
    this.viewCache = null;
  }
}
