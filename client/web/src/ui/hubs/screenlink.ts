/** The hub screen's link, `/hub/<slug>/screen#<token>`: the token is taken
 * out of the address bar at once (a projected address bar is read by the
 * whole room) and kept for this tab, as board links are (ui/links/token.ts).
 * Both `#<token>` and `#t=<token>` are read. Pure but for the storage and
 * `history` it is handed. */
import { parseFragment, tabStorage } from "../links/token";

const TOKEN = /^[A-Za-z0-9._~-]{8,400}$/;

let watching = false;

const key = (slug: string): string => `prikbord:hubscreen:${slug}`;

/** The token in a screen link's fragment, or "" when there is none. */
export const screenTokenFrom = (hash: string): string => {
  const raw = hash.replace(/^#/, "");
  if (!raw) return "";
  const t = raw.includes("=") ? parseFragment(raw).get("t") ?? "" : raw;
  return TOKEN.test(t) ? t : "";
};

/** This page's screen token: from the fragment (then stored, and the
 * fragment removed), else the one stored for this tab. */
export const takeScreenToken = (slug: string): string => {
  if (!watching) {
    watching = true;
    // A new link pasted into this tab changes only the fragment: take it.
    window.addEventListener("hashchange", () => { if (screenTokenFrom(location.hash)) location.reload(); });
  }
  const fromUrl = screenTokenFrom(location.hash);
  if (fromUrl) {
    tabStorage.setItem(key(slug), fromUrl);
    history.replaceState(history.state, "", `${location.pathname}${location.search}`);
    return fromUrl;
  }
  return tabStorage.getItem(key(slug)) ?? "";
};

/** The screen link of a hub, as a coordinator copies it. */
export const screenUrl = (origin: string, slug: string, token: string): string =>
  `${origin}/hub/${encodeURIComponent(slug)}/screen#${token}`;
