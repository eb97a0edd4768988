/** Link tokens out of the address bar (SPEC §2, issue 8).
 *
 * A board link carries its token in the URL fragment (`#t=TOKEN&join=…`).
 * Left there, it sits in the address bar of a projected browser, in the
 * history and in every screenshot. So the page reads it once, at load, keeps
 * it in sessionStorage — this tab only, gone when the tab closes, still
 * there on a reload — and removes it from the address with
 * `history.replaceState` (no navigation, no history entry). A fresh link in
 * the fragment always wins over the stored one. */

export type LinkPage = "b" | "screen";

export interface LinkParams {
  token: string;
  /** The short join link a hub screen shows as its QR code. */
  join: string;
}

const key = (page: LinkPage, board: string): string => `prikbord:link:${page}:${board}`;
const codeKey = (board: string): string => `prikbord:code:${board}`;

/** sessionStorage that never throws (private mode, storage disabled). */
export const tabStorage = {
  getItem(k: string): string | null {
    try { return sessionStorage.getItem(k); } catch { return null; }
  },
  setItem(k: string, v: string): void {
    try { sessionStorage.setItem(k, v); } catch { /* ignore */ }
  },
  removeItem(k: string): void {
    try { sessionStorage.removeItem(k); } catch { /* ignore */ }
  },
};

/** The fragment's `key=value` pairs (not URLSearchParams: it turns "+" into
 * a space, and tokens are opaque). */
export const parseFragment = (hash: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const item of hash.replace(/^#/, "").split("&")) {
    const i = item.indexOf("=");
    if (i <= 0) continue;
    try {
      out.set(item.slice(0, i), decodeURIComponent(item.slice(i + 1)));
    } catch {
      /* a broken escape: skip the pair */
    }
  }
  return out;
};

const taken = new Map<string, LinkParams>();
let watching = false;

/** A new link pasted into this tab's address bar changes only the fragment,
 * which loads nothing: load the page again so it is taken like any link. */
const watchForNewLinks = (): void => {
  if (watching || typeof window === "undefined") return;
  watching = true;
  window.addEventListener("hashchange", () => {
    if (parseFragment(location.hash).has("t")) location.reload();
  });
};

/** The link of this page, taken out of the address bar on first use. */
export const takeLink = (page: LinkPage, board: string): LinkParams => {
  watchForNewLinks();
  const k = key(page, board);
  const known = taken.get(k);
  if (known) return known;
  const fragment = parseFragment(location.hash);
  const fromUrl = fragment.get("t");
  let link: LinkParams;
  if (fromUrl) {
    link = { token: fromUrl, join: fragment.get("join") ?? "" };
    tabStorage.setItem(k, JSON.stringify(link));
    // Keep any other keys of the fragment (none today), drop the link's.
    const rest = [...fragment].filter(([name]) => name !== "t" && name !== "join");
    const hash = rest.length ? `#${rest.map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join("&")}` : "";
    history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
  } else {
    link = readStored(k);
  }
  taken.set(k, link);
  return link;
};

const readStored = (k: string): LinkParams => {
  try {
    const v = JSON.parse(tabStorage.getItem(k) ?? "null") as unknown;
    if (v && typeof v === "object" && typeof (v as LinkParams).token === "string") {
      const join = (v as LinkParams).join;
      return { token: (v as LinkParams).token, join: typeof join === "string" ? join : "" };
    }
  } catch {
    /* garbage in storage */
  }
  return { token: "", join: "" };
};

/** Remember a replaced token of this tab's link (the facilitator replaced
 * their own link, or the screen learnt a new join link). */
export const updateLink = (page: LinkPage, board: string, change: Partial<LinkParams>): void => {
  const k = key(page, board);
  const link = { ...(taken.get(k) ?? readStored(k)), ...change };
  taken.set(k, link);
  tabStorage.setItem(k, JSON.stringify(link));
};

/** The access code typed in this tab, for reloads and reconnects. */
export const storedCode = (board: string): string => tabStorage.getItem(codeKey(board)) ?? "";
export const storeCode = (board: string, code: string): void => {
  if (code) tabStorage.setItem(codeKey(board), code);
  else tabStorage.removeItem(codeKey(board));
};
