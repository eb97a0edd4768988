/** The account REST API (protocol/SPEC.md, REST): who is logged in, log in
 * and out, first-run setup, and "my boards". Every state-changing request
 * is JSON and carries the session's CSRF token (`X-CSRF-Token`); the
 * session itself rides in an HttpOnly cookie the app never sees. */
import { useEffect, useState } from "preact/hooks";

export type AccountRole = "admin" | "coordinator" | "facilitator";
export interface Account { username: string; name: string; role: AccountRole; disabled: boolean }
/** ``manages_hubs``: coordinators and admins, and accounts a hub names among
 * its coordinators (they get the Hubs link). */
export interface Me { account: Account | null; csrf: string | null; open_board_creation: boolean; setup_needed: boolean; manages_hubs?: boolean }
export interface BoardItem { board: string; title: string; owner: string | null; created: number; archived: boolean }
export interface Links { facilitator: string; participant: string; viewer: string; join?: string }
export interface BoardDetail extends BoardItem { links: Links }

/** A refusal from the server: HTTP status, its stable `error` code, and the
 * seconds to wait for a 429. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfter = 0) {
    super(message);
  }
}

/** Coordinators and administrators see every board. */
export const seesAllBoards = (a: Account | null): boolean => a?.role === "admin" || a?.role === "coordinator";

/** The setup token in `/setup#<token>` (or `#t=<token>`), or "". */
export const setupTokenFrom = (hash: string): string => {
  const raw = hash.replace(/^#/, "");
  const token = raw.startsWith("t=") ? raw.slice(2) : raw;
  return /^[A-Za-z0-9_-]{16,100}$/.test(token) ? token : "";
};

/** Where to go after logging in: a path on this server only (never an
 * absolute URL someone put in `?next=`). */
export const safeNext = (next: string | null): string =>
  next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/my";

let me: Me | null = null;
let loading: Promise<Me> | null = null;
const listeners = new Set<(m: Me) => void>();

const publish = (m: Me): Me => {
  me = m;
  for (const fn of listeners) fn(m);
  return m;
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && me?.csrf) headers["x-csrf-token"] = me.csrf;
  const res = await fetch(path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const err = (data ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, err.error ?? "http", err.message ?? String(res.status), Number(res.headers.get("retry-after") ?? 0));
  }
  return data as T;
}

/** Ask the server who is logged in (once; `force` asks again). */
export const loadMe = (force = false): Promise<Me> => {
  if (!loading || force) loading = call<Me>("GET", "/api/me").then(publish);
  return loading;
};

/** The current `Me` (null while loading), re-rendering on log in and out. */
export const useMe = (): Me | null => {
  const [value, setValue] = useState<Me | null>(me);
  useEffect(() => {
    listeners.add(setValue);
    void loadMe().then(setValue, () => setValue({ account: null, csrf: null, open_board_creation: false, setup_needed: false }));
    return () => { listeners.delete(setValue); };
  }, []);
  return value;
};

type Session = { account: Account; csrf: string };

export async function login(username: string, password: string): Promise<Account> {
  const s = await call<Session>("POST", "/api/login", { username, password });
  await loadMe(true);
  return s.account;
}

/** End the session. The caller navigates away next (a page that still
 * shows the account would otherwise react to the change first). */
export async function logout(): Promise<void> {
  await call<void>("POST", "/api/logout");
}

export async function setupAdmin(token: string, username: string, name: string, password: string): Promise<Account> {
  const s = await call<Session>("POST", "/api/setup", { token, username, name, password });
  await loadMe(true);
  return s.account;
}

export const setupNeeded = async (): Promise<boolean> => (await call<{ needed: boolean }>("GET", "/api/setup")).needed;

export const createBoard = (title: string, layout: string): Promise<{ board: string; title: string; links: Links }> =>
  call("POST", "/api/boards", { title, layout });

export const myBoards = async (archived: boolean, all: boolean): Promise<BoardItem[]> =>
  (await call<{ boards: BoardItem[] }>("GET", `/api/my/boards?archived=${archived ? 1 : 0}&scope=${all ? "all" : "mine"}`)).boards;

export const boardDetail = (board: string): Promise<BoardDetail> => call("GET", `/api/my/boards/${encodeURIComponent(board)}`);

export const changeBoard = (board: string, change: { title?: string; archived?: boolean }): Promise<BoardItem> =>
  call("PATCH", `/api/my/boards/${encodeURIComponent(board)}`, change);

export const deleteBoard = (board: string): Promise<void> => call("DELETE", `/api/my/boards/${encodeURIComponent(board)}`);
