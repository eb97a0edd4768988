/** Presence on the client (SPEC §7), a port of protocol/presence.py: a
 * full list replaces the members held; a delta (sent to clients that ask
 * for deltas in their hello) adds or replaces the members that joined or
 * were updated and drops those that left, by `conn`. */
import type { Member, PresenceMsg } from "../protocol/codec";

const isMember = (m: unknown): m is Member =>
  typeof m === "object" && m !== null && typeof (m as Member).conn === "string";

const list = (v: unknown): Member[] => (Array.isArray(v) ? v.filter(isMember) : []);

/** The order of a member list: by name, case-insensitively, then key. */
export const byName = (a: Member, b: Member): number => {
  const x = a.name.toLowerCase(), y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.conn < b.conn ? -1 : a.conn > b.conn ? 1 : 0;
};

/** `members` after `msg`, sorted; `members` is not changed. */
export const applyPresence = (members: readonly Member[], msg: PresenceMsg): Member[] => {
  const out = new Map<string, Member>();
  for (const m of msg.members !== undefined ? list(msg.members) : members) out.set(m.conn, m);
  for (const m of [...list(msg.joined), ...list(msg.updated)]) out.set(m.conn, m);
  for (const conn of Array.isArray(msg.left) ? msg.left : []) out.delete(String(conn));
  return [...out.values()].sort(byName);
};
