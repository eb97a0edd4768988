/** Message catalogues: Dutch or English, picked from the browser language
 * (or the user's choice, remembered on the device). */
import { useSyncExternalStore } from "preact/compat";
import { en, type MsgKey } from "./en";
import { nl } from "./nl";

export type Lang = "en" | "nl";
const CATALOGS = { en, nl } as const;
const KEY = "prikbord:lang";

const detect = (): Lang => {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "en" || saved === "nl") return saved;
  } catch {
    /* storage disabled */
  }
  const langs = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  return langs.some((l) => l?.toLowerCase().startsWith("nl")) ? "nl" : "en";
};

let current: Lang = typeof window !== "undefined" ? detect() : "en";
const listeners = new Set<() => void>();

export const getLang = (): Lang => current;
export const setLang = (lang: Lang): void => {
  current = lang;
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    /* ignore */
  }
  document.documentElement.lang = lang;
  for (const fn of listeners) fn();
};

/** Translate a key, filling {placeholders} with plain text. */
export const t = (key: MsgKey, params: Record<string, string | number> = {}): string =>
  CATALOGS[current][key].replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? `{${p}}`));

/** Re-render on a language switch. */
export const useLang = (): Lang =>
  useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => current,
  );

/** Server error codes (protocol/SPEC.md §9) with a message in the catalogues. */
export const ERROR_CODES = [100, 101, 300, 301, 302, 303, 304, 310, 311, 312, 320, 321] as const;
type ErrorKey = `err_${(typeof ERROR_CODES)[number]}`;

/** A server error in the user's language; the server's own (English) text
 * only for a code this client does not know. */
export const errorText = (code: number, serverMsg: string): string =>
  (ERROR_CODES as readonly number[]).includes(code) ? t(`err_${code}` as ErrorKey) : serverMsg;

export type { MsgKey };
