/** When the hub screen asks the server again what it should show (pure).
 *
 * The picture changes at two kinds of moments: when an activity starts or
 * ends (known in advance: the screen asks just after), and when a
 * coordinator changes the agenda (not known: the screen asks every
 * `NOW_POLL_MS`). A failed ask is retried sooner, backing off, so a
 * restarted server is found again within seconds and a long outage costs
 * one small request per half minute. */
import type { Now } from "./api";
import { nextChange } from "./time";

/** A coordinator's change to the agenda reaches the wall within this long;
 * one small JSON request per screen. */
export const NOW_POLL_MS = 20_000;
/** Ask this long after a start or end, so a server whose clock is a little
 * behind the screen's has passed it too. */
export const BOUNDARY_SLACK_MS = 1_000;
/** The first retry after a failed ask, doubled per failure up to the cap. */
export const RETRY_FIRST_MS = 2_000;
export const RETRY_MAX_MS = 30_000;
/** An activity that has just started may get its board a moment later (the
 * server makes it from a template on its next lifecycle tick, every 15 s by
 * default): for this long after a start the screen asks every
 * `STARTING_POLL_MS`, so the board is on the wall within seconds of being
 * made rather than at the next regular ask. */
export const STARTING_WINDOW_MS = 60_000;
export const STARTING_POLL_MS = 3_000;
/** Failures in a row before the screen says it is offline: one blip stays quiet. */
export const OFFLINE_AFTER_FAILURES = 2;

/** The next start or end after `now` that changes what `shown` shows. */
export const boundaryOf = (shown: Now, now: number): number | null => {
  if (shown.mode === "board") return shown.activity && shown.activity.end > now ? shown.activity.end : null;
  return nextChange(shown.today.filter((a) => a.status !== "cancelled"), now);
};

/** How long to wait before the next ask. `failures`: failed asks in a row;
 * `jitter` in [0, 1) spreads many screens' retries after a restart. */
export const nextDelay = (shown: Now | null, now: number, failures: number, jitter = 0): number => {
  if (failures > 0) {
    const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1));
    return Math.round(backoff * (0.75 + 0.5 * jitter));
  }
  let delay = NOW_POLL_MS;
  if (shown) {
    const at = boundaryOf(shown, now);
    if (at !== null) delay = Math.min(delay, at - now + BOUNDARY_SLACK_MS);
    // Between sessions, an activity under way for less than a minute may
    // be about to get its board.
    if (shown.mode === "agenda" && shown.today.some((x) => x.status === "confirmed" && x.start <= now && now < x.end && now - x.start < STARTING_WINDOW_MS)) {
      delay = Math.min(delay, STARTING_POLL_MS);
    }
    // The server's own count to the next start or end (its clock, not ours).
    if (shown.recheckMs !== null) delay = Math.min(delay, shown.recheckMs + BOUNDARY_SLACK_MS);
  }
  return Math.max(BOUNDARY_SLACK_MS, delay);
};
