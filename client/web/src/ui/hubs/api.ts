/** The hubs REST API (server/hubs/routes.py, README "Hubs and agenda") as
 * the web app uses it. Coordinator calls ride on the account session: the
 * HttpOnly cookie, and the session's CSRF token on every change. The hub
 * screen's call carries the screen token instead and never a cookie's
 * rights. The server's JSON is read here, once, into the types below, so
 * the pages never see a loose object. */
import { loadMe } from "../account/api";

/** A refusal: HTTP status, the stable `error` code, the message, and the
 * form field it is about (when the server names one). */
export class HubApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field: string | null = null) {
    super(message);
  }
}

export interface Contact { email: string; phone: string; url: string }

export interface Hub {
  slug: string;
  name: string;
  place: string;
  description: string;
  supervisor: string;
  partners: string[];
  students: string[];
  contact: Contact;
  coordinators: string[];
}

export type ActivityStatus = "confirmed" | "pending" | "cancelled" | "declined";

export interface Activity {
  id: string;
  hub: string;
  type: string;
  title: string;
  /** ms since the epoch (UTC). */
  start: number;
  end: number;
  place: string;
  /** An online meeting's URL ("" in the hub). */
  online: string;
  description: string;
  host: string;
  capacity: number | null;
  board: string | null;
  template: string | null;
  freeze: boolean;
  status: ActivityStatus;
  /** A visit request's extra facts (pending items from the public form). */
  request: VisitRequest | null;
}

export interface VisitRequest { group: string; contact: string; size: number; wishes: number[]; message: string }

/** What the hub screen shows now (`GET /api/hubs/<slug>/now`). */
export type Now =
  | { mode: "board"; board: string; token: string; join: string; activity: Activity | null; hub: string; today: Activity[]; recheckMs: number | null }
  | { mode: "agenda"; hub: string; today: Activity[]; recheckMs: number | null };

// --- reading the server's JSON ------------------------------------------------

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const opt = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
/** A time as the server sends it: an ISO 8601 string or ms since the epoch. */
export const msOf = (v: unknown): number => {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  return NaN;
};

export const readHub = (v: unknown): Hub => {
  const o = obj(v);
  const c = obj(o.contact);
  return {
    slug: str(o.slug), name: str(o.name), place: str(o.place),
    description: str(o.description), supervisor: str(o.supervisor),
    partners: strs(o.partners), students: strs(o.students),
    contact: { email: str(c.email), phone: str(c.phone), url: str(c.url) },
    coordinators: strs(o.coordinators),
  };
};

export const readActivity = (v: unknown): Activity => {
  const o = obj(v);
  const status = str(o.status);
  const r = o.request ? obj(o.request) : null;
  return {
    id: str(o.id), hub: str(o.hub), type: str(o.type), title: str(o.title),
    start: msOf(o.start), end: msOf(o.end),
    place: str(o.place), online: str(o.online), description: str(o.description), host: str(o.host),
    capacity: typeof o.capacity === "number" ? o.capacity : null,
    board: opt(o.board), template: opt(o.template), freeze: o.freeze === true,
    status: status === "pending" || status === "cancelled" || status === "declined" ? status : "confirmed",
    request: r
      ? {
        group: str(r.group), contact: str(r.contact), size: typeof r.size === "number" ? r.size : 0,
        wishes: (Array.isArray(r.wishes) ? r.wishes : []).map(msOf).filter(Number.isFinite), message: str(r.message),
      }
      : null,
  };
};

export const readNow = (v: unknown): Now => {
  const o = obj(v);
  const hub = str(obj(o.hub).name);
  const today = Array.isArray(o.today) ? o.today.map(readActivity).filter((a) => Number.isFinite(a.start) && Number.isFinite(a.end)) : [];
  const recheckMs = typeof o.recheck_ms === "number" && o.recheck_ms > 0 ? o.recheck_ms : null;
  if (o.mode === "board" && typeof o.board === "string" && o.board && typeof o.token === "string" && o.token) {
    return {
      mode: "board", board: o.board, token: o.token, join: str(o.join),
      activity: o.activity ? readActivity(o.activity) : null, hub, today, recheckMs,
    };
  }
  return { mode: "agenda", hub, today, recheckMs };
};

// --- calls ----------------------------------------------------------------------

async function call(method: string, path: string, body?: unknown, bearer?: string): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  else if (method !== "GET") {
    const csrf = (await loadMe()).csrf;
    if (csrf) headers["x-csrf-token"] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method, headers, cache: "no-store", credentials: bearer ? "omit" : "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new HubApiError(0, "network", "network");
  }
  if (res.status === 204) return null;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const err = obj(data);
    throw new HubApiError(res.status, str(err.error) || "http", str(err.message) || String(res.status), opt(err.field));
  }
  return data;
}

const hubPath = (slug: string): string => `/api/hubs/${encodeURIComponent(slug)}`;

/** A hub as its managers read it: with the screen link. */
export interface ManagedHub extends Hub { may_manage: boolean; screen_link: string }

const readManaged = (v: unknown): ManagedHub => {
  const o = obj(v);
  return { ...readHub(o), may_manage: o.may_manage === true, screen_link: str(o.screen_link) };
};

export const listHubs = async (): Promise<{ hubs: ManagedHub[]; mayCreate: boolean }> => {
  const data = obj(await call("GET", "/api/hubs"));
  return { hubs: (Array.isArray(data.hubs) ? data.hubs : []).map(readManaged), mayCreate: data.may_create === true };
};
export const getHub = async (slug: string): Promise<ManagedHub> => readManaged(await call("GET", hubPath(slug)));
export const createHub = async (hub: Hub): Promise<ManagedHub> => readManaged(await call("POST", "/api/hubs", hub));
export const updateHub = async (slug: string, change: Partial<Hub>): Promise<ManagedHub> => readManaged(await call("PATCH", hubPath(slug), change));
export const deleteHub = async (slug: string): Promise<void> => { await call("DELETE", hubPath(slug)); };
/** A new screen link; the old one stops working at once. */
export const replaceScreenLink = async (slug: string): Promise<string> =>
  str(obj(await call("POST", `${hubPath(slug)}/screen-link/replace`, {})).screen_link);

/** An activity as the server takes it. Times are ISO 8601; without an
 * offset the server reads them as Amsterdam time. "" clears board/template. */
export interface ActivityInput {
  type: string; title: string; start: string; end: string; place: string; online: string;
  description: string; host: string; capacity: number | null; board: string; template: string; freeze: boolean;
}

const activitiesOf = (data: unknown): Activity[] => {
  const list = obj(data).activities;
  return (Array.isArray(list) ? list : []).map(readActivity).filter((a) => Number.isFinite(a.start) && Number.isFinite(a.end));
};

/** Every activity of the hub in [from, to), requests and cancelled ones included. */
export const listActivities = async (slug: string, from: number, to: number): Promise<Activity[]> => {
  const q = `?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
  return activitiesOf(await call("GET", `${hubPath(slug)}/activities${q}`));
};
const activityPath = (slug: string, id: string): string => `${hubPath(slug)}/activities/${encodeURIComponent(id)}`;
export const createActivity = async (slug: string, a: ActivityInput): Promise<Activity> =>
  readActivity(await call("POST", `${hubPath(slug)}/activities`, a));
export const updateActivity = async (slug: string, id: string, a: Partial<ActivityInput> & { status?: ActivityStatus }): Promise<Activity> =>
  readActivity(await call("PATCH", activityPath(slug, id), a));
export const deleteActivity = async (slug: string, id: string): Promise<void> => { await call("DELETE", activityPath(slug, id)); };

/** The pending visit requests (any date). */
export const listRequests = async (slug: string): Promise<Activity[]> => activitiesOf(await call("GET", `${hubPath(slug)}/activities?status=pending`));
/** Accept (optionally at another time: one of the wishes) or decline. */
export const answerRequest = async (slug: string, id: string, accept: boolean, when?: { start: string; end: string }): Promise<Activity> =>
  readActivity(await call("POST", `${activityPath(slug, id)}/${accept ? "accept" : "decline"}`, accept && when ? when : {}));

/** A board in a hub, as its managers list them. */
export interface HubBoard { board: string; title: string; owner: string | null; archived: boolean; public: boolean }

export const hubBoards = async (slug: string): Promise<HubBoard[]> => {
  const list = obj(await call("GET", `${hubPath(slug)}/boards`)).boards;
  return (Array.isArray(list) ? list : []).map((v) => {
    const o = obj(v);
    return { board: str(o.board), title: str(o.title), owner: opt(o.owner), archived: o.archived === true, public: o.public === true };
  });
};
/** Put a board in this hub (out of any other), public or not. */
export const putHubBoard = async (slug: string, board: string, isPublic: boolean): Promise<void> => {
  await call("PUT", `${hubPath(slug)}/boards/${encodeURIComponent(board)}`, { public: isPublic });
};
export const removeHubBoard = async (slug: string, board: string): Promise<void> => {
  await call("DELETE", `${hubPath(slug)}/boards/${encodeURIComponent(board)}`);
};

/** What the hub screen shows now; the screen token rides in the header. */
export const whatNow = async (slug: string, token: string): Promise<Now> => readNow(await call("GET", `${hubPath(slug)}/now`, undefined, token));

export interface TemplateChoice { id: string; label: string }

/** The templates an activity's board can be made from, out of the
 * library's answer: the built-ins and the hub's saved ones. The answer also
 * lists the account's own saved templates, but the hub makes the board when
 * the activity starts and the server takes only a built-in or the hub's
 * (server/hubs/routes.py `_check_template`): offering one's own would only
 * end in "no such template" on Save. */
export const readTemplateChoices = (answer: unknown, slug: string): TemplateChoice[] => {
  const data = obj(answer);
  const pick = (list: unknown, scope?: string): TemplateChoice[] =>
    (Array.isArray(list) ? list : [])
      .filter((v) => scope === undefined || str(obj(v).scope) === scope)
      .map((v) => ({ id: str(obj(v).id), label: str(obj(v).name) })).filter((x) => x.id !== "");
  return [...pick(data.builtin), ...pick(data.saved, `hub:${slug}`)];
};

export const listTemplates = async (slug: string, lang: "en" | "nl"): Promise<TemplateChoice[]> =>
  readTemplateChoices(await call("GET", `/api/library/templates?lang=${lang}&hub=${encodeURIComponent(slug)}`), slug);

/** Save one of the hub's boards as a template of the hub (its coordinators,
 * by login: POST /api/boards/<board>/template with the hub), so the agenda
 * can make the next activity's board from it. */
export const saveHubTemplate = async (slug: string, board: string, name: string): Promise<TemplateChoice> => {
  const got = obj(await call("POST", `/api/boards/${encodeURIComponent(board)}/template`, { name, hub: slug }));
  return { id: str(got.id), label: str(got.name) };
};
