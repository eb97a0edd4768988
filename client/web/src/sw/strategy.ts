/** Which requests the service worker answers, and how (pure, unit-tested).
 *
 * - app pages (`/`, `/b/…`, `/screen/…`, `/login`, `/my`, `/setup`, the
 *   hub screen `/hub/<slug>/screen` and the hub pages `/my/hubs[/<slug>]`):
 *   **network first**. The server's answer always wins, so an upgraded
 *   server is picked up on the next load and a stale app is never served
 *   while the server can be reached; only when the network fails does the
 *   cached app shell stand in.
 * - `/assets/…`: **cache first**. They are content-hashed, so a name never
 *   changes content; a new build has new names.
 * - everything else (`/api`, `/ws`, `/j/…`, `/metrics`): not touched, it
 *   goes to the network as if there were no worker.
 */

export type Strategy = "page" | "asset" | null;

const ID = "[A-Za-z0-9_-]{1,40}";
const SLUG = "[a-z0-9-]{2,40}";
const PAGE = new RegExp(`^/(?:|index\\.html|login/?|my/?|setup/?|(?:b|screen)/${ID}/?|hub/${SLUG}/screen/?|my/hubs(?:/${SLUG})?/?)$`);

export const strategyFor = (url: URL, method: string, mode: string, origin: string): Strategy => {
  if (method !== "GET" || url.origin !== origin) return null;
  if (url.pathname.startsWith("/assets/")) return "asset";
  if (mode === "navigate" && PAGE.test(url.pathname)) return "page";
  return null;
};

/** Cache names carry the build, so a new build starts a new cache and the
 * old one is deleted when its worker activates. */
export const CACHE_PREFIX = "prikbord-";
export const cacheName = (build: string): string => `${CACHE_PREFIX}${build}`;
/** Every page route serves the same index.html: one cached copy. */
export const SHELL_KEY = "/index.html";
/** A network that neither answers nor fails (a frozen link) gets this long
 * before the cached shell stands in for the page. */
export const PAGE_TIMEOUT_MS = 6_000;
