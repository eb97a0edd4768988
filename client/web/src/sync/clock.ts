/** The server's clock as this device sees it: the board's timer counts down
 * to a server time (`timer_ends_at`), so a device whose own clock is off
 * still shows the same seconds as every other screen.
 *
 * Each sample is a server time read from a message together with when the
 * request went out and when the answer came in: the server's clock read
 * `serverNow` about half the round trip before the answer arrived. The
 * sample with the shortest round trip among the last few is the most exact
 * one (NTP's rule), so a slow moment does not shift the offset. */

/** Samples kept: about four minutes of pings at the default heartbeat. */
const SAMPLES = 16;

export class ServerClock {
  private samples: { offset: number; rtt: number }[] = [];
  /** Server time minus local time, in ms (0 until the first sample). */
  offset = 0;

  /** A server time `serverNow`, asked at local `sentAt`, answered at local
   * `receivedAt`. */
  sample(serverNow: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(serverNow) || serverNow <= 0) return;
    const rtt = Math.max(0, receivedAt - sentAt);
    this.samples.push({ offset: serverNow + rtt / 2 - receivedAt, rtt });
    if (this.samples.length > SAMPLES) this.samples.shift();
    let best = this.samples[0]!;
    for (const s of this.samples) if (s.rtt < best.rtt) best = s;
    this.offset = Math.round(best.offset);
  }

  /** Forget old samples (a new connection may reach another node). */
  reset(): void {
    this.samples = [];
  }

  /** The server's time now, by this device's clock and the offset. */
  now(local: number = Date.now()): number {
    return local + this.offset;
  }
}

/** What a countdown shows at server time `now`: ms left, and whether it runs. */
export const timerLeft = (
  s: { timer_duration: number; timer_ends_at: number; timer_remaining: number },
  now: number,
): { left: number; running: boolean; paused: boolean; set: boolean } => {
  if (s.timer_ends_at > 0) return { left: Math.max(0, s.timer_ends_at - now), running: s.timer_ends_at > now, paused: false, set: true };
  if (s.timer_remaining > 0) return { left: s.timer_remaining, running: false, paused: true, set: true };
  return { left: 0, running: false, paused: false, set: false };
};

/** mm:ss (h:mm:ss from an hour), rounding up: 0:01 until the very end. */
export const formatLeft = (ms: number): string => {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
};
