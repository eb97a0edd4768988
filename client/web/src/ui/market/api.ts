/** The wall's REST API (server/market/routes.py). Changing a card's state
 * sends, per card, the rights this browser holds on its board: the link of
 * this tab (sessionStorage) or of a board made on this device, and the
 * identity the board gave this browser (so an author is recognised); with
 * a login, the session's cookie and CSRF token speak for the account. */
import { loadMe } from "../account/api";
import { deviceBoards } from "../links/device";
import { parseFragment, takeLink } from "../links/token";
import { safeStorage } from "../hooks";
import { identityKey } from "../../sync/session";

export interface WallCard {
  board: string; board_title: string; hub: string; link: string; card: string;
  kind: "question" | "offer"; title: string; body: string; tags: string[]; contact: string;
  expires: number; expired: boolean; state: string; created_at: number; author_name: string;
}
export interface CardRef { board: string; card: string }
export interface WallMatch { question: CardRef; offer: CardRef; shared: string[] }
export interface Wall {
  hub: { slug: string; name: string } | null; now: number; boards: number; may_manage: boolean;
  cards: WallCard[]; matches: WallMatch[]; tags: [string, number][];
}

export class MarketError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function failure(res: Response): Promise<MarketError> {
  let err: { error?: string; message?: string } = {};
  try {
    err = (await res.json()) as typeof err;
  } catch {
    /* not JSON */
  }
  return new MarketError(res.status, err.error ?? "http", err.message ?? String(res.status));
}

/** The whole wall of a hub (or of all hubs: `slug` null); the page filters. */
export async function loadWall(slug: string | null): Promise<Wall> {
  const path = slug ? `/api/hubs/${encodeURIComponent(slug)}/market` : "/api/market";
  const res = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as Wall;
}

/** This browser's rights on a board: a link token and its identity there. */
export const rightsOn = (board: string): { token?: string; identity?: string } => {
  let token = takeLink("b", board).token;
  if (!token) {
    const made = deviceBoards(safeStorage).find((b) => b.board === board);
    if (made) token = parseFragment(new URL(made.links.facilitator, location.origin).hash).get("t") ?? "";
  }
  const identity = safeStorage.getItem(identityKey(board)) ?? "";
  return { ...(token ? { token } : {}), ...(identity ? { identity } : {}) };
};

/** Set the state of one card or a pair (both, or neither on a refusal). */
export async function setStates(cards: CardRef[], state: string): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const me = await loadMe().catch(() => null);
  if (me?.csrf) headers["x-csrf-token"] = me.csrf;
  const body = JSON.stringify({ state, cards: cards.map((c) => ({ ...c, ...rightsOn(c.board) })) });
  const res = await fetch("/api/market/state", { method: "POST", headers, body, credentials: "same-origin" });
  if (!res.ok) throw await failure(res);
}
