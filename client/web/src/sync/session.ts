/** One live connection to a board, kept alive forever.
 *
 * hello → welcome (resume or snapshot) → events/acks/errors/presence. Ops go
 * to the outbox first, apply optimistically, and are (re)sent after every
 * welcome in their original order with their original ids. Any drop that is
 * not terminal (41xx) reconnects with full-jitter backoff and resumes from
 * the last applied seq; a gap in seqs does the same.
 */
import { decodeServer, encode, type Member, type ServerMessage, type Welcome } from "../protocol/codec";
import { CloseCode, isRetryable, isTerminalClose, needsResync } from "../protocol/errors";
import * as L from "../protocol/limits";
import type { Op } from "../protocol/ops";
import { BoardCache, cacheKey } from "./cache";
import { ServerClock } from "./clock";
import { CONNECT_TIMEOUT_MS, heartbeatAction, heartbeatConfig, type HeartbeatConfig } from "./heartbeat";
import { Outbox, type KeyValueStore } from "./outbox";
import { applyPresence } from "./presence";
import { Replica } from "./replica";

const encodeBuf = (msg: unknown): Uint8Array<ArrayBuffer> => encode(msg) as Uint8Array<ArrayBuffer>;

export type ConnState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

export interface SessionOptions {
  url: string;
  board: string;
  token: string;
  name: string;
  /** The board's access code, when it asks for one (participants; SPEC §2). */
  accessCode?: string;
  store: KeyValueStore;
  /** Called after every welcome that followed a drop (hub screen: upgrade check). */
  onReconnected?: () => void;
  /** An op the server refused for good (3xx). */
  onRejected?: (op: Op, code: number, msg: string) => void;
  WebSocketImpl?: typeof WebSocket;
}

/** Reconnect backoff (SPEC §10): 0.5 s doubling to 30 s, full jitter. */
export const backoffDelay = (attempt: number, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(30_000, 500 * 2 ** attempt));
const STABLE_MS = 60_000;
const OFFLINE_AFTER_ATTEMPTS = 3;

export const identityKey = (board: string): string => `prikbord:identity:${board}`;
export const outboxKey = (board: string): string => `prikbord:outbox:${board}`;

export class Session {
  readonly replica: Replica;
  /** The server's clock (from `welcome.now` and `pong.now`): timers use it. */
  readonly clock = new ServerClock();
  state: ConnState = "connecting";
  members: Member[] = [];
  closeReason = 0;
  /** The server's reason for a terminal close (for people; act on the code). */
  closeText = "";
  limits: Record<string, number> = {};
  private ws: WebSocket | null = null;
  private attempt = 0;
  private everWelcomed = false;
  private connectedAt = 0;
  private lastFrame = 0;
  private lastPing = 0;
  private beat: HeartbeatConfig = heartbeatConfig(15_000);
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private sent = new Set<string>();
  private listeners = new Set<() => void>();
  private stopped = false;
  private pingN = 0;
  /** When the hello and each ping went out (local ms), for the clock. */
  private helloAt = 0;
  private pingsAt = new Map<number, number>();
  private focusCard: string | null = null;
  private readonly WS: typeof WebSocket;
  private token: string;
  private accessCode: string | undefined;
  /** The last known board on this device (the offline shell shows it). */
  private cache: BoardCache;
  private readonly flushCache = (): void => this.cache.flush();
  private readonly flushIfHidden = (): void => {
    if (document.visibilityState === "hidden") this.cache.flush();
  };

  constructor(private readonly opts: SessionOptions) {
    this.WS = opts.WebSocketImpl ?? WebSocket;
    this.token = opts.token;
    this.accessCode = opts.accessCode || undefined;
    this.replica = new Replica(opts.board, new Outbox(opts.store, outboxKey(opts.board)));
    this.replica.name = opts.name;
    this.cache = new BoardCache(opts.store, cacheKey(opts.board, opts.token), opts.board);
    const cached = this.cache.load();
    if (cached) this.replica.restore(cached);
  }

  /** Keep the confirmed board for the offline shell (throttled). */
  private saveSoon(): void {
    this.cache.schedule(() =>
      this.replica.epoch === null ? null : { state: this.replica.confirmed, actor: this.replica.actor, role: this.replica.role, at: Date.now() });
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  get board(): string {
    return this.opts.board;
  }

  /** The link token this session joins with (the facilitator's settings use it for REST). */
  get linkToken(): string {
    return this.token;
  }

  /** Join with another token from now on: after the facilitator replaced
   * this very link. The 4102 that closes the socket of the old token then
   * reconnects instead of ending the session; an ended one starts again. */
  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    this.cache.clear();
    this.cache = new BoardCache(this.opts.store, cacheKey(this.opts.board, token), this.opts.board);
    this.restartIfClosed();
  }

  /** The access code to join with (typed by the user after a 4106). */
  setAccessCode(code: string): void {
    this.accessCode = code || undefined;
    this.restartIfClosed();
  }

  private restartIfClosed(): void {
    if (this.state !== "closed" || this.stopped) return;
    this.state = "connecting";
    this.closeReason = 0;
    this.attempt = 0;
    this.emit();
    this.connect();
  }

  /** Ops the server has not acked yet (acked ones wait only for their event). */
  get unsent(): number {
    return this.replica.outbox.unacked().length;
  }

  /** Cards with a change the server has not acked yet (a new card, an
   * edit, a move, a comment, reaction or vote on it): the board marks them
   * as not saved, so a silent drop never makes unsaved work look saved. */
  unsavedCards(): Set<string> {
    const ids = new Set<string>();
    for (const p of this.replica.outbox.unacked()) {
      const op = p.op as { type: string; id?: unknown; card?: unknown };
      const id = "card" in op ? op.card : op.type.startsWith("card.") ? op.id : undefined;
      if (typeof id === "string") ids.add(id);
    }
    return ids;
  }

  start(): void {
    this.stopped = false;
    if (typeof window !== "undefined") {
      window.addEventListener("pagehide", this.flushCache);
      document.addEventListener("visibilitychange", this.flushIfHidden);
    }
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (typeof window !== "undefined") {
      window.removeEventListener("pagehide", this.flushCache);
      document.removeEventListener("visibilitychange", this.flushIfHidden);
    }
    this.cache.flush();
    this.clearTimers();
    this.clearConnectTimer();
    this.stopHeartbeat();
    this.ws?.close(1000);
    this.ws = null;
  }

  /** Kick a waiting reconnect now (browser came online, tab became visible). */
  nudge(): void {
    if (this.stopped || this.state === "closed") return;
    if (this.ws === null) {
      this.clearTimers();
      this.connect();
    } else if (this.state === "connected" && Date.now() - this.lastFrame >= this.beat.deadMs) {
      this.dropDead(this.ws); // after sleep: the socket is likely dead
    }
  }

  /** Make an op: outbox first, optimistic view, send when connected. */
  submit(op: Op): void {
    const pending = this.replica.outbox.add(op);
    this.replica.invalidate();
    if (this.state === "connected") this.sendOp(pending.id, op);
    this.emit();
  }

  focus(card: string | null): void {
    if (this.focusCard === card) return;
    this.focusCard = card;
    if (this.state === "connected") this.send({ t: "focus", card });
  }

  /** Presence for the notes (SPEC §7): the document this person types in
   * and their selection in it; the caller throttles (focus is rate-limited). */
  focusNotes(doc: string | null, cursor: string | null): void {
    if (this.state === "connected") this.send({ t: "focus", card: this.focusCard, notes: doc, cursor });
  }

  private send(msg: unknown): void {
    if (this.ws && this.ws.readyState === 1) this.ws.send(encode(msg) as Uint8Array<ArrayBuffer>);
  }

  private sendOp(id: string, op: Op): void {
    this.sent.add(id);
    this.send({ t: "op", id, op });
  }

  private connect(): void {
    this.ws = null;
    let ws: WebSocket;
    try {
      ws = new this.WS(this.opts.url, L.SUBPROTOCOL);
    } catch {
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.sent = new Set();
    this.clearConnectTimer();
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.ws === ws) this.dropDead(ws); // a hung upgrade or a hello never answered
    }, CONNECT_TIMEOUT_MS);
    const token = this.token;
    ws.onopen = () => {
      const stored = this.opts.store.getItem(identityKey(this.opts.board));
      this.lastFrame = Date.now();
      this.helloAt = this.lastFrame;
      ws.send(encodeBuf({
        t: "hello", v: L.PROTOCOL_VERSION, board: this.opts.board, token,
        name: this.opts.name, identity: stored ?? undefined, resume: this.replica.resumePoint(),
        code: this.accessCode, presence_deltas: true,
      }));
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      this.lastFrame = Date.now();
      if (!(ev.data instanceof ArrayBuffer)) return;
      let msg: ServerMessage;
      try {
        msg = decodeServer(new Uint8Array(ev.data));
      } catch {
        return; // a frame we cannot read: ignore, the seq check catches any loss
      }
      this.handle(msg, ws);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopHeartbeat();
      this.clearConnectTimer();
      if (this.stopped) return;
      if (ev.code === CloseCode.UNAUTHORIZED && token !== this.token) {
        this.connect(); // our own link was replaced and we hold the new one
        return;
      }
      // 4105: a facilitator removed us. Terminal like every 41xx: the page
      // says so and never reconnects.
      if (isTerminalClose(ev.code)) {
        this.cache.clear(); // removed, link gone: keep nothing of the board here
        this.state = "closed";
        this.closeReason = ev.code;
        this.closeText = ev.reason;
        this.emit();
        return;
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  /** `silent`: the link went quiet (heartbeat or connect timeout), which
   * is what a network drop looks like: say "offline" at once, and keep
   * saying it through the retries until a welcome. A clean close (a server
   * restart) says "reconnecting" for the first few quick attempts. */
  private scheduleReconnect(silent = false): void {
    if (this.connectedAt && Date.now() - this.connectedAt > STABLE_MS) this.attempt = 0;
    this.connectedAt = 0;
    const offline = silent || this.state === "offline" || (typeof navigator !== "undefined" && navigator.onLine === false);
    this.state = offline || this.attempt >= OFFLINE_AFTER_ATTEMPTS ? "offline" : "reconnecting";
    const delay = backoffDelay(this.attempt);
    this.attempt = Math.min(this.attempt + 1, 16);
    this.emit();
    this.clearTimers();
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private handle(msg: ServerMessage, ws: WebSocket): void {
    switch (msg.t) {
      case "welcome":
        this.onWelcome(msg);
        break;
      case "events":
        for (const e of msg.ev) {
          const r = this.replica.apply(e);
          if (r === "gap") {
            ws.close(4003); // never apply past a gap: resume fills it
            return;
          }
        }
        this.saveSoon();
        this.emit();
        break;
      case "ack":
        // Kept (as acked) until the log passes its seq; see Outbox.reopen.
        if (this.replica.outbox.ack(msg.id, msg.seq) && this.replica.outbox.settle(this.replica.confirmed.seq)) {
          this.replica.invalidate();
          this.emit();
        }
        break;
      case "error":
        this.onError(msg.code, msg.msg, msg.id ?? null, ws);
        break;
      case "presence":
        this.members = applyPresence(this.members, msg);
        this.emit();
        break;
      case "pong": {
        const sentAt = this.pingsAt.get(msg.n);
        this.pingsAt.delete(msg.n);
        if (sentAt !== undefined && typeof msg.now === "number") {
          this.clock.sample(msg.now, sentAt, Date.now());
          this.emit();
        }
        break;
      }
    }
  }

  private onWelcome(w: Welcome): void {
    const reconnected = this.everWelcomed;
    this.everWelcomed = true;
    this.opts.store.setItem(identityKey(this.opts.board), w.identity);
    this.limits = w.limits ?? {};
    this.clock.reset();
    this.pingsAt.clear();
    if (typeof w.now === "number") this.clock.sample(w.now, this.helloAt || Date.now(), Date.now());
    this.replica.welcome(w);
    this.saveSoon();
    this.state = "connected";
    this.connectedAt = Date.now();
    this.clearConnectTimer();
    this.beat = heartbeatConfig(w.heartbeat_ms);
    this.startHeartbeat();
    this.ping(); // a first round trip right away sharpens the clock offset
    // Resend everything unacked, in order, with the original ids.
    for (const p of this.replica.outbox.unacked()) this.sendOp(p.id, p.op);
    if (this.focusCard !== null) this.send({ t: "focus", card: this.focusCard });
    this.emit();
    if (reconnected) this.opts.onReconnected?.();
  }

  private onError(code: number, msg: string, id: string | null, ws: WebSocket): void {
    if (needsResync(code)) {
      this.replica.epoch = null; // rejoin with a fresh snapshot
      ws.close(4003);
      return;
    }
    if (id === null) return;
    const pending = this.replica.outbox.list().find((p) => p.id === id);
    if (!pending) return;
    if (isRetryable(code)) {
      this.sent.delete(id);
      const t = setTimeout(() => {
        if (this.ws === ws && this.state === "connected" && this.replica.outbox.has(id)) this.sendOp(id, pending.op);
      }, 1000 + Math.random() * 1000);
      this.timers.push(t);
      return;
    }
    this.replica.outbox.remove(id);
    this.replica.invalidate();
    this.opts.onRejected?.(pending.op, code, msg);
    this.emit();
  }

  /** Watch the link (sync/heartbeat.ts): ping when quiet, and silence
   * for `deadMs` means it is gone. */
  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      const action = heartbeatAction(this.beat, Date.now(), this.lastFrame, this.lastPing);
      if (action === "dead") this.dropDead(ws);
      else if (action === "ping") this.ping();
    }, this.beat.tickMs);
  }

  /** Give up on a socket that went silent. A dead link may never fire
   * onclose (no FIN, no reset): move on ourselves, as offline. */
  private dropDead(ws: WebSocket): void {
    try {
      ws.close(4002);
    } catch {
      /* already closing */
    }
    if (this.ws !== ws) return;
    this.ws = null;
    this.stopHeartbeat();
    this.clearConnectTimer();
    this.scheduleReconnect(true);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private ping(): void {
    const n = ++this.pingN;
    this.lastPing = Date.now();
    this.pingsAt.set(n, Date.now());
    if (this.pingsAt.size > 8) this.pingsAt.delete(this.pingsAt.keys().next().value as number);
    this.send({ t: "ping", n });
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
