/** The hub and activity forms' checks, pure: the server's rules
 * (server/hubs/model.py) said before sending, in the same field names, so
 * a message shows next to its field whether the browser or the server
 * found it. The server stays the judge: these only save a round trip. */
import { cpLen, pyStrip } from "../../protocol/ops";
import type { ActivityInput, Hub } from "./api";
import { ht } from "./i18n";
import { fromInput } from "./time";

// The server's limits (server/hubs/model.py), in characters.
export const MAX_NAME = 80;
export const MAX_PLACE = 200;
export const MAX_DESCRIPTION = 4000;
export const MAX_PERSON = 120;
export const MAX_PARTNERS = 30;
export const MAX_STUDENTS = 50;
export const MAX_COORDINATORS = 20;
export const MAX_TITLE = 120;
export const MAX_URL = 500;
export const MAX_EMAIL = 254;
export const MAX_PHONE = 32;
export const MAX_CAPACITY = 10_000;
export const MAX_ACTIVITY_MS = 7 * 24 * 3600 * 1000;

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const PHONE_RE = /^\+?[0-9][0-9 ()./-]{4,30}$/;
const USERNAME_RE = /^[a-z0-9][a-z0-9._@+-]{1,63}$/;
/** What the server refuses in text (Python's Cc, Cf, Zl, Zp, Cs, Co). */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/** Field name → what is wrong with it. Empty: nothing. */
export type Problems = Record<string, string>;

/** The problems left once the person edits `fields` (whose old message no
 * longer holds); the form's summary goes when nothing is left. An edit of
 * where or the board choice clears the fields it shows or hides. */
export const withoutFields = (problems: Problems, fields: readonly string[]): Problems => {
  const drop = new Set(fields);
  if (drop.has("where")) { drop.add("place"); drop.add("online"); }
  if (drop.has("boardChoice")) { drop.add("board"); drop.add("template"); }
  const out: Problems = {};
  for (const [k, v] of Object.entries(problems)) if (k !== "" && !drop.has(k)) out[k] = v;
  if (Object.keys(out).length > 0 && problems[""] !== undefined) out[""] = problems[""];
  return out;
};

/** The form field a server's `field` belongs to: `partners[2]` is the
 * partners list, `wishes[0]` the wishes. */
export const fieldOf = (field: string): string => field.replace(/\[\d+\]$/, "");

const checkText = (out: Problems, name: string, value: string, max: number, opts: { required?: boolean; multiline?: boolean } = {}): void => {
  const v = pyStrip(value.replace(/\r\n/g, "\n"));
  if (opts.required && !v) out[name] = ht("v_required");
  else if (cpLen(v) > max) out[name] = ht("v_tooLong", { max, n: cpLen(v) });
  else if (CONTROL.test(opts.multiline ? v.replace(/[\n\t]/g, "") : v)) out[name] = ht("v_control");
};

const checkUrl = (out: Problems, name: string, value: string): void => {
  const v = value.trim();
  if (!v) return;
  checkText(out, name, v, MAX_URL);
  if (out[name]) return;
  let ok = false;
  try {
    const u = new URL(v);
    ok = (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "" && !/\s/.test(v);
  } catch {
    ok = false;
  }
  if (!ok) out[name] = ht("v_url");
};

const checkList = (out: Problems, name: string, items: readonly string[], count: number, max: number): void => {
  if (items.length > count) out[name] = ht("v_tooLong", { max: count, n: items.length });
  for (const item of items) {
    const p: Problems = {};
    checkText(p, name, item, max);
    if (p[name]) { out[name] = `${item.slice(0, 40)}: ${p[name]}`; return; }
  }
};

/** A slug suggested from a hub's name: "Ruimte Delft-Centrum" →
 * "ruimte-delft-centrum" (accents dropped, anything else a dash, at most
 * 40 characters, no dash at either end). */
export const slugFrom = (name: string): string =>
  name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").slice(0, 40).replace(/^-+|-+$/g, "");

/** The hub form's problems; `isNew`: the slug is chosen now (it stays). */
export const hubProblems = (h: Hub, isNew: boolean): Problems => {
  const out: Problems = {};
  if (isNew && !SLUG_RE.test(h.slug)) out.slug = ht("v_slug");
  checkText(out, "name", h.name, MAX_NAME, { required: true });
  checkText(out, "place", h.place, MAX_PLACE);
  checkText(out, "description", h.description, MAX_DESCRIPTION, { multiline: true });
  checkText(out, "supervisor", h.supervisor, MAX_PERSON);
  checkList(out, "partners", h.partners, MAX_PARTNERS, MAX_PERSON);
  checkList(out, "students", h.students, MAX_STUDENTS, MAX_PERSON);
  const email = h.contact.email.trim();
  checkText(out, "contact.email", email, MAX_EMAIL);
  if (!out["contact.email"] && email && !EMAIL_RE.test(email)) out["contact.email"] = ht("v_email");
  const phone = h.contact.phone.trim();
  checkText(out, "contact.phone", phone, MAX_PHONE);
  if (!out["contact.phone"] && phone && !PHONE_RE.test(phone)) out["contact.phone"] = ht("v_phone");
  checkUrl(out, "contact.url", h.contact.url);
  if (h.coordinators.length > MAX_COORDINATORS) out.coordinators = ht("v_tooLong", { max: MAX_COORDINATORS, n: h.coordinators.length });
  const bad = h.coordinators.find((u) => !USERNAME_RE.test(u.toLowerCase()));
  if (bad !== undefined) out.coordinators = ht("v_username", { name: bad.slice(0, 40) });
  return out;
};

/** A new entry for a list field: trimmed, or a problem (empty, too long,
 * already there). */
export const listEntry = (items: readonly string[], value: string, max: number): { value: string } | { problem: string } => {
  const v = pyStrip(value);
  if (!v) return { problem: ht("v_required") };
  const p: Problems = {};
  checkText(p, "x", v, max);
  if (p.x) return { problem: p.x };
  if (items.some((i) => i.toLowerCase() === v.toLowerCase())) return { problem: ht("v_duplicate") };
  return { value: v };
};

/** The activity form as typed: times as `<input type=datetime-local>`
 * values (Amsterdam time), capacity as typed. */
export interface ActivityDraft {
  type: string;
  title: string;
  start: string;
  end: string;
  where: "hub" | "online";
  place: string;
  online: string;
  description: string;
  host: string;
  capacity: string;
  boardChoice: "none" | "existing" | "template";
  board: string;
  template: string;
  freeze: boolean;
}

/** The activity form's problems. */
export const activityProblems = (d: ActivityDraft, types: readonly string[]): Problems => {
  const out: Problems = {};
  if (!types.includes(d.type)) out.type = ht("v_required");
  checkText(out, "title", d.title, MAX_TITLE, { required: true });
  const start = fromInput(d.start);
  const end = fromInput(d.end);
  if (start === null) out.start = ht("v_time");
  if (end === null) out.end = ht("v_time");
  if (start !== null && end !== null) {
    if (end <= start) out.end = ht("v_endBeforeStart");
    else if (end - start > MAX_ACTIVITY_MS) out.end = ht("v_tooLongActivity");
  }
  if (d.where === "online") {
    if (!d.online.trim()) out.online = ht("v_required");
    else checkUrl(out, "online", d.online);
  } else {
    checkText(out, "place", d.place, MAX_PLACE);
  }
  checkText(out, "description", d.description, MAX_DESCRIPTION, { multiline: true });
  checkText(out, "host", d.host, MAX_PERSON);
  const cap = d.capacity.trim();
  if (cap && (!/^\d+$/.test(cap) || Number(cap) < 1 || Number(cap) > MAX_CAPACITY)) out.capacity = ht("v_capacity", { max: MAX_CAPACITY });
  if (d.boardChoice === "existing" && !d.board) out.board = ht("v_required");
  if (d.boardChoice === "template" && !d.template) out.template = ht("v_required");
  return out;
};

/** The body the server takes for a checked draft: local times as typed
 * (the server reads a time without an offset as Amsterdam time, and
 * refuses one the clocks skip). */
export const activityBody = (d: ActivityDraft): ActivityInput => ({
  type: d.type,
  title: pyStrip(d.title),
  start: d.start,
  end: d.end,
  place: d.where === "hub" ? pyStrip(d.place) : "",
  online: d.where === "online" ? d.online.trim() : "",
  description: pyStrip(d.description.replace(/\r\n/g, "\n")),
  host: pyStrip(d.host),
  capacity: d.capacity.trim() ? Number(d.capacity.trim()) : null,
  board: d.boardChoice === "existing" ? d.board : "",
  template: d.boardChoice === "template" ? d.template : "",
  freeze: d.freeze,
});
