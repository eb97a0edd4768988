/** Glue between the Session (plain class) and Preact components. */
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { Session } from "../sync/session";

/** Re-render the caller whenever the session changes. */
export const useSession = (session: Session | null): number => {
  const [version, bump] = useReducer<number, void>((n) => n + 1, 0);
  // eslint-disable-next-line

  useEffect(() => (session ? session.subscribe(() => bump()) : undefined), [session]);
  return version;
};

/** Ids of cards others changed lately, for a short highlight. */
export const useRecentChanges = (session: Session | null, ms = 2500): Map<string, number> => {
  const [recent, setRecent] = useState<Map<string, number>>(() => new Map());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!session) return;
    session.replica.onEvent = (e) => {
      if (!e.op || e.actor === session.replica.actor) return;
      const op = e.op;
      // A view patch that brings cards into view (an approval, a reveal) counts too.
      const cards = op.type === "view.patch"
        ? Object.entries(op.cards ?? {}).filter(([, v]) => v !== null).map(([id]) => id)
        : "card" in op && op.card ? [op.card] : op.type.startsWith("card.") && "id" in op ? [op.id] : [];
      if (!cards.length) return;
      const now = Date.now();
      setRecent((m) => { const next = new Map(m); for (const id of cards) next.set(id, now); return next; });
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        const now = Date.now();
        setRecent((m) => new Map([...m].filter(([, t]) => now - t < ms)));
      }, ms + 50);
    };
    return () => {
      session.replica.onEvent = null;
    };
  }, [session, ms]);
  return recent;
};

/** The URL fragment's parameters (`#t=TOKEN&join=URL`). */
export const fragmentParams = (): URLSearchParams => new URLSearchParams(location.hash.replace(/^#/, ""));

export const wsUrl = (): string => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;

/** Storage that never throws (private mode, disabled storage). */
export const safeStorage = {
  getItem(key: string): string | null {
    try { return localStorage.getItem(key); } catch { return null; }
  },
  setItem(key: string, value: string): void {
    try { localStorage.setItem(key, value); } catch { /* ignore */ }
  },
  removeItem(key: string): void {
    try { localStorage.removeItem(key); } catch { /* ignore */ }
  },
};

/** Make a fresh object id: URL-safe, 16 random characters. */
export const newId = (): string => {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
};

/** Whether the screen is narrow (a phone): the board's top bar then folds
 * its less used controls into one menu so it fits without sideways scroll
 * (issue 10). The width matches the phone rules in styles.css. */
export const NARROW_QUERY = "(max-width: 640px)";
export const useNarrow = (): boolean => {
  const [narrow, setNarrow] = useState(() => window.matchMedia?.(NARROW_QUERY).matches ?? false);
  useEffect(() => {
    const query = window.matchMedia?.(NARROW_QUERY);
    if (!query) return;
    const on = () => setNarrow(query.matches);
    on();
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, []);
  return narrow;
};
