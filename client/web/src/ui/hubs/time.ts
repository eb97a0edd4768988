/** Hub time, pure: the hubs are in the Netherlands, so every time a person
 * reads or types is wall-clock time in Europe/Amsterdam, whatever zone the
 * browser (or a hub screen's mini PC) is set to; the server stores UTC.
 *
 * No date library: `Intl.DateTimeFormat` with `timeZone` knows the zone's
 * rules (summer time included), and the conversion back from a wall time
 * is two rounds of "what offset does the zone have at this instant". */

export const HUB_ZONE = "Europe/Amsterdam";

const MINUTE = 60_000;

/** A wall-clock time in the hub's zone. Months are 1-12. */
export interface Wall { y: number; mo: number; d: number; h: number; mi: number }

const PARTS = new Intl.DateTimeFormat("en-GB", {
  timeZone: HUB_ZONE, hourCycle: "h23",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});

/** The wall time in Amsterdam at the instant `ms` (seconds dropped). */
export const wallOf = (ms: number): Wall => {
  const p: Record<string, number> = {};
  for (const part of PARTS.formatToParts(new Date(ms))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return { y: p.year ?? 0, mo: p.month ?? 0, d: p.day ?? 0, h: p.hour ?? 0, mi: p.minute ?? 0 };
};

const asUtc = (w: Wall): number => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);

/** The zone's offset from UTC at the instant `ms`, in ms (CET +1 h, CEST +2 h). */
export const offsetAt = (ms: number): number => asUtc(wallOf(ms)) - Math.floor(ms / MINUTE) * MINUTE;

/** The instant of a wall time in Amsterdam. A time that does not exist (the
 * hour skipped when summer time starts) moves forward by that hour; a time
 * that exists twice (when it ends) is the first, summer-time one. */
export const fromWall = (w: Wall): number => {
  const guess = asUtc(w);
  let ms = guess - offsetAt(guess);
  ms = guess - offsetAt(ms);
  // Twice: the offset at the first answer may differ from the guess's.
  const again = guess - offsetAt(ms);
  if (again !== ms && asUtc(wallOf(again)) === guess) ms = again;
  // The earlier of two candidates, when the wall time happens twice.
  const earlier = ms - 3_600_000;
  if (asUtc(wallOf(earlier)) === guess) ms = earlier;
  return ms;
};

const pad = (n: number): string => String(n).padStart(2, "0");

/** `YYYY-MM-DD`: a day's key, and the value of an `<input type=date>`. */
export const dayKey = (ms: number): string => {
  const w = wallOf(ms);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}`;
};

/** The value of an `<input type=datetime-local>` for the instant, in
 * Amsterdam time (the input itself has no zone). */
export const toInput = (ms: number): string => {
  const w = wallOf(ms);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}`;
};

/** An `<input type=datetime-local>` value read as Amsterdam time, or null
 * when it is empty or not a real date and time. */
export const fromInput = (value: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59) return null;
  // Not a day of that month (31 April): Date.UTC would roll it over.
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return null;
  return fromWall({ y, mo, d, h, mi });
};

/** Midnight in Amsterdam that starts the day of `ms`. */
export const startOfDay = (ms: number): number => {
  const w = wallOf(ms);
  return fromWall({ ...w, h: 0, mi: 0 });
};

/** The start of the day `n` days after the day of `ms` (days of 23 or 25
 * hours included). */
export const addDays = (ms: number, n: number): number => {
  const w = wallOf(ms);
  const next = new Date(Date.UTC(w.y, w.mo - 1, w.d + n));
  return fromWall({ y: next.getUTCFullYear(), mo: next.getUTCMonth() + 1, d: next.getUTCDate(), h: 0, mi: 0 });
};

/** Monday 00:00 of the week of `ms` (weeks start on Monday in the NL). */
export const startOfWeek = (ms: number): number => {
  const w = wallOf(ms);
  const weekday = new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay(); // 0 = Sunday
  return addDays(ms, -((weekday + 6) % 7));
};

const locale = (lang: string): string => (lang === "nl" ? "nl-NL" : "en-GB");

/** "14:30" in Amsterdam. */
export const formatTime = (ms: number): string => {
  const w = wallOf(ms);
  return `${pad(w.h)}:${pad(w.mi)}`;
};

/** "14:30–16:00"; an end on a later day names that day too. */
export const formatSpan = (start: number, end: number, lang: string): string =>
  dayKey(start) === dayKey(end)
    ? `${formatTime(start)}–${formatTime(end)}`
    : `${formatTime(start)} – ${formatDay(end, lang, true)} ${formatTime(end)}`;

/** "maandag 7 december" / "Monday 7 December"; `short`: "ma 7 dec." / "Mon 7 Dec". */
export const formatDay = (ms: number, lang: string, short = false): string =>
  new Intl.DateTimeFormat(locale(lang), {
    timeZone: HUB_ZONE, weekday: short ? "short" : "long", day: "numeric", month: short ? "short" : "long",
  }).format(new Date(ms));

/** Something with a start, as agenda items are. */
export interface Timed { start: number; end: number }

export interface DayGroup<T extends Timed> {
  /** `YYYY-MM-DD` in Amsterdam. */
  day: string;
  /** Midnight starting that day. */
  start: number;
  items: T[];
}

/** Items grouped by the Amsterdam day they start on, days in order and the
 * items of a day by start, then end (a stable order for equal times). */
export const groupByDay = <T extends Timed>(items: readonly T[]): DayGroup<T>[] => {
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: DayGroup<T>[] = [];
  for (const item of sorted) {
    const key = dayKey(item.start);
    const last = out[out.length - 1];
    if (last && last.day === key) last.items.push(item);
    else out.push({ day: key, start: startOfDay(item.start), items: [item] });
  }
  return out;
};

/** The seven days of the week starting at `monday`, each with its items
 * (empty days included: a week view shows them). */
export const weekDays = <T extends Timed>(monday: number, items: readonly T[]): DayGroup<T>[] => {
  const groups = new Map(groupByDay(items).map((g) => [g.day, g]));
  const out: DayGroup<T>[] = [];
  for (let i = 0; i < 7; i++) {
    const start = addDays(monday, i);
    const day = dayKey(start);
    out.push({ day, start, items: groups.get(day)?.items ?? [] });
  }
  return out;
};

/** Running at `now`: started, not yet ended. */
export const isRunning = (item: Timed, now: number): boolean => item.start <= now && now < item.end;

/** The item a screen highlights: the running one, else the next to start. */
export const nextUp = <T extends Timed>(items: readonly T[], now: number): T | null => {
  let best: T | null = null;
  for (const item of items) {
    if (item.end <= now) continue;
    if (isRunning(item, now)) return item;
    if (!best || item.start < best.start) best = item;
  }
  return best;
};

/** The next instant after `now` at which something starts or ends: when a
 * screen's picture changes by itself. */
export const nextChange = (items: readonly Timed[], now: number): number | null => {
  let best: number | null = null;
  for (const { start, end } of items) {
    for (const t of [start, end]) if (t > now && (best === null || t < best)) best = t;
  }
  return best;
};
