/** Boards created on this device, so a facilitator link shown once is not
 * lost on a reload (without an account; with one, "My boards" keeps them
 * on the server).
 *
 * Kept in localStorage: the links are capabilities, and they stay on the
 * device that made them, as a bookmark would. "Forget" removes one.
 */
import type { Links } from "../account/api";
import type { KeyValueStore } from "../../sync/outbox";

export interface DeviceBoard {
  board: string;
  title: string;
  /** When it was created here (ms since the epoch). */
  at: number;
  links: Links;
}

const KEY = "prikbord:created";
/** The newest this many are kept: a facilitator's season of sessions, and
 * a small entry each (~1 KB), far below the storage an origin gets. */
export const MAX_DEVICE_BOARDS = 50;

const isLinks = (l: unknown): l is Links => {
  const o = l as Record<string, unknown> | null;
  return !!o && typeof o.facilitator === "string" && typeof o.participant === "string" && typeof o.viewer === "string"
    && (o.join === undefined || typeof o.join === "string");
};

/** The list, newest first (garbage in storage reads as empty). */
export const deviceBoards = (store: KeyValueStore): DeviceBoard[] => {
  try {
    const raw: unknown = JSON.parse(store.getItem(KEY) ?? "[]");
    if (!Array.isArray(raw)) return [];
    return raw.filter((b): b is DeviceBoard =>
      typeof b?.board === "string" && typeof b?.title === "string" && typeof b?.at === "number" && isLinks(b?.links));
  } catch {
    return [];
  }
};

const save = (store: KeyValueStore, list: DeviceBoard[]): void => {
  if (list.length) store.setItem(KEY, JSON.stringify(list.slice(0, MAX_DEVICE_BOARDS)));
  else store.removeItem(KEY);
};

/** Remember a board just created here (first in the list). */
export const rememberBoard = (store: KeyValueStore, entry: DeviceBoard): DeviceBoard[] => {
  const list = [entry, ...deviceBoards(store).filter((b) => b.board !== entry.board)].slice(0, MAX_DEVICE_BOARDS);
  save(store, list);
  return list;
};

/** Keep the links current after the facilitator replaced some on the board. */
export const updateDeviceLinks = (store: KeyValueStore, board: string, links: Links): void => {
  const list = deviceBoards(store);
  const hit = list.find((b) => b.board === board);
  if (!hit) return;
  hit.links = { ...hit.links, ...links };
  save(store, list);
};

export const forgetBoard = (store: KeyValueStore, board: string): DeviceBoard[] => {
  const list = deviceBoards(store).filter((b) => b.board !== board);
  save(store, list);
  return list;
};
