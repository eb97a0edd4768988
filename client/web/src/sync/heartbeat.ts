/** When to ping and when a quiet connection counts as dead (SPEC §8).
 *
 * A Wi-Fi drop often sends nothing at all: no close frame, no reset, so the
 * socket looks open for minutes. The only truth is silence. Any frame proves
 * the link is alive, so a busy board never pings for liveness; a quiet one
 * pings after `pingIdleMs` without a frame, and `deadMs` without a frame
 * means the link is gone: the page says "offline" and reconnects.
 *
 * Pure: the session feeds it the times, the tests feed it numbers.
 */

export interface HeartbeatConfig {
  /** Ping after this long without any frame from the server. */
  pingIdleMs: number;
  /** No frame for this long: the connection is dead. */
  deadMs: number;
  /** Ping at least this often anyway: pongs keep the server clock sharp. */
  clockPingMs: number;
  /** How often the session looks (the timer period). */
  tickMs: number;
}

/** 3 s of quiet then a ping (a few bytes: cheap even on a metered phone);
 * 8 s of silence is dead, which leaves 5 s for the pong on a slow link and
 * with the 1 s tick notices a silent drop within 10 s (issue 10). The
 * server's `heartbeat_ms` can only make these shorter (see heartbeatConfig). */
export const PING_IDLE_MS = 3_000;
export const DEAD_MS = 8_000;
export const TICK_MS = 1_000;
/** A connection attempt (TCP, upgrade, hello → welcome) that has not
 * welcomed us by then is given up and retried: a frozen link can leave the
 * upgrade hanging for minutes. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The config for a server that asked for pings every `heartbeatMs`. */
export const heartbeatConfig = (heartbeatMs: number): HeartbeatConfig => {
  const hb = heartbeatMs > 0 ? heartbeatMs : 15_000;
  return {
    pingIdleMs: Math.min(PING_IDLE_MS, hb),
    deadMs: Math.min(DEAD_MS, hb * 2),
    clockPingMs: hb,
    tickMs: TICK_MS,
  };
};

export type HeartbeatAction = "dead" | "ping" | "wait";

/** What to do at `now`, given when the last frame arrived and the last ping left. */
export const heartbeatAction = (
  cfg: HeartbeatConfig, now: number, lastFrame: number, lastPing: number,
): HeartbeatAction => {
  const silence = now - lastFrame;
  if (silence >= cfg.deadMs) return "dead";
  // Quiet: one ping per idle period (not one per tick) until a frame comes.
  if (silence >= cfg.pingIdleMs && now - lastPing >= cfg.pingIdleMs) return "ping";
  if (now - lastPing >= cfg.clockPingMs) return "ping";
  return "wait";
};
