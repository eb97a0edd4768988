/** The facilitator's link routes (SPEC §5, *Links*): the link token goes in
 * the Authorization header, never in a URL. */
import type { Role } from "../../protocol/model";

export const LINK_ROLES = ["facilitator", "participant", "viewer"] as const satisfies readonly Role[];
export type Replaceable = Role | "join";

export interface LinksState {
  board: string;
  links: { facilitator: string; participant: string; viewer: string; join: string };
  /** ms since the epoch, or null: never. */
  expires: Record<Role, number | null>;
  access_code: string | null;
}

export class LinksError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const call = async (board: string, token: string, method: string, path: string, body?: unknown): Promise<LinksState> => {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`/api/boards/${encodeURIComponent(board)}${path}`, {
      method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new LinksError(0, "network");
  }
  const data = (await res.json().catch(() => ({}))) as { message?: unknown };
  if (!res.ok) throw new LinksError(res.status, typeof data.message === "string" ? data.message : String(res.status));
  return data as LinksState;
};

export const readLinks = (board: string, token: string): Promise<LinksState> => call(board, token, "GET", "/links");
export const replaceLinks = (board: string, token: string, roles: Replaceable[]): Promise<LinksState> =>
  call(board, token, "POST", "/links/replace", { roles });
export const setExpiry = (board: string, token: string, role: Role, seconds: number | null): Promise<LinksState> =>
  call(board, token, "PUT", "/links/expiry", { role, expires_in: seconds });
export const setAccessCode = (board: string, token: string, code: string | null): Promise<LinksState> =>
  call(board, token, "PUT", "/access-code", { code });

/** The current short join link, for any working link of the board (the hub
 * screen follows a replaced join code). */
export const readJoin = async (board: string, token: string): Promise<string | null> => {
  try {
    const res = await fetch(`/api/boards/${encodeURIComponent(board)}/join`, {
      headers: { authorization: `Bearer ${token}` }, cache: "no-store",
    });
    if (!res.ok) return null;
    const data = (await res.json()) as { join?: unknown };
    return typeof data.join === "string" ? data.join : null;
  } catch {
    return null;
  }
};

/** The token in a link's fragment. */
export const tokenOf = (link: string): string => {
  const hash = link.split("#", 2)[1] ?? "";
  for (const item of hash.split("&")) if (item.startsWith("t=")) return decodeURIComponent(item.slice(2));
  return "";
};

/** A fresh access code: 6 digits (easy to say aloud and type on a phone). */
export const newAccessCode = (): string => {
  const n = new Uint32Array(1);
  crypto.getRandomValues(n);
  return String((n[0] ?? 0) % 1_000_000).padStart(6, "0");
};
