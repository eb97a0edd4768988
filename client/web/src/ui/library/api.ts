/** The library's REST API (server/library/routes.py): export a board,
 * import a JSON export as a new board, duplicate, templates, search. Board
 * reads carry the link token in the Authorization header (never the URL:
 * it would land in access logs); creating calls carry the session's CSRF
 * token when logged in, like every state-changing request. */
import { identityKey } from "../../sync/session";
import { loadMe, type Links } from "../account/api";
import { safeStorage } from "../hooks";

export type ExportFormat = "json" | "csv" | "md" | "html";
export interface Created { board: string; title: string; links: Links }
export interface TemplateItem { id: string; name: string; description?: string; scope?: string }
export interface Hit { board: string; board_title: string; card: string; title: string; where: string }

export class LibraryError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function request(method: string, path: string, opts: { token?: string; body?: BodyInit; json?: unknown; identity?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.identity) headers["x-prikbord-identity"] = opts.identity;
  let body = opts.body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const me = await loadMe().catch(() => null);
    if (me?.csrf) headers["x-csrf-token"] = me.csrf;
  }
  const res = await fetch(path, { method, headers, body, credentials: "same-origin", cache: "no-store" });
  if (!res.ok) {
    let err: { error?: string; message?: string } = {};
    try {
      err = (await res.json()) as typeof err;
    } catch {
      /* not JSON */
    }
    throw new LibraryError(res.status, err.error ?? "http", err.message ?? String(res.status));
  }
  return res;
}

/** The export's file name from the server's Content-Disposition. */
const fileName = (res: Response, fallback: string): string =>
  /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? fallback;

/** Export the board: a download, or for "html" the printable page in a new tab. */
export async function exportBoard(board: string, token: string, fmt: ExportFormat): Promise<void> {
  const res = await request("GET", `/api/boards/${board}/export.${fmt}`, { token });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  if (fmt === "html") {
    window.open(url, "_blank", "noopener");
  } else {
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName(res, `board.${fmt}`);
    document.body.append(a);
    a.click();
    a.remove();
  }
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const importBoard = async (file: Blob): Promise<Created> =>
  (await (await request("POST", "/api/library/import", { body: await file.text() })).json()) as Created;

export const duplicateBoard = async (board: string, token: string, keep: { votes: boolean; comments: boolean }): Promise<Created> =>
  (await (await request("POST", `/api/boards/${board}/duplicate`, { token, json: keep })).json()) as Created;

export const saveTemplate = async (board: string, token: string, name: string): Promise<TemplateItem> =>
  (await (await request("POST", `/api/boards/${board}/template`, { token, json: { name } })).json()) as TemplateItem;

/** `?hub=<slug>` of the library page: a hub's library (its coordinators'). */
export const hubOf = (search: string): string | null => {
  const hub = new URLSearchParams(search).get("hub");
  return hub && /^[a-z0-9-]{1,40}$/.test(hub) ? hub : null;
};

const hubQuery = (hub: string | null): string => (hub ? `&hub=${encodeURIComponent(hub)}` : "");

export const listTemplates = async (lang: string, hub: string | null = null): Promise<{ builtin: TemplateItem[]; saved: TemplateItem[] }> =>
  (await (await request("GET", `/api/library/templates?lang=${lang}${hubQuery(hub)}`)).json()) as { builtin: TemplateItem[]; saved: TemplateItem[] };

export const boardFromTemplate = async (id: string, title: string, hub: string | null = null): Promise<Created> =>
  (await (await request("POST", `/api/library/templates/${encodeURIComponent(id)}/boards`, { json: hub ? { title, hub } : { title } })).json()) as Created;

export const searchBoards = async (q: string, hub: string | null = null): Promise<Hit[]> =>
  ((await (await request("GET", `/api/library/search?q=${encodeURIComponent(q)}${hubQuery(hub)}`)).json()) as { hits: Hit[] }).hits;

/** A board link's id and token (`…/b/<id>#t=<token>`), or null. */
export const parseBoardLink = (link: string): { board: string; token: string } | null => {
  try {
    const url = new URL(link.trim(), location.origin);
    const board = /^\/(?:b|screen)\/([A-Za-z0-9_-]{1,40})\/?$/.exec(url.pathname)?.[1];
    const token = /(?:^#|&)t=([^&]+)/.exec(url.hash)?.[1];
    return board && token ? { board, token } : null;
  } catch {
    return null;
  }
};

/** The cards this link's role sees on the board (live ones), for choosing one. */
export const boardCards = async (board: string, token: string): Promise<{ id: string; title: string }[]> => {
  const form = (await (await request("GET", `/api/boards/${board}`, { token })).json()) as { cards: Record<string, { title: string; body: string; deleted: boolean }> };
  return Object.entries(form.cards).filter(([, c]) => !c.deleted).map(([id, c]) => ({ id, title: c.title || c.body.slice(0, 60) || id }));
};

/** The device's identity to copy onto `target` with: its own there when it
 * joined that board, else the one of the board it copies from (the server
 * makes the copier the card's author, refuses one a facilitator removed
 * from the target, and wants an identity with a participant link). */
export const copierIdentity = (source: string, target: string): string | null =>
  safeStorage.getItem(identityKey(target)) ?? safeStorage.getItem(identityKey(source));

export const copyCard = async (source: { board: string; token: string }, card: string, target: { board: string; token: string }): Promise<{ card: string; held: boolean }> =>
  (await (await request("POST", "/api/library/copy-card", { json: { source, card, target }, identity: copierIdentity(source.board, target.board) })).json()) as { card: string; held: boolean };
