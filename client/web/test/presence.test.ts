import { describe, expect, it } from "vitest";
import type { Member } from "../src/protocol/codec";
import { applyPresence } from "../src/sync/presence";

const m = (actor: string, name: string, card?: string): Member => ({ conn: actor, actor, name, role: "participant", ...(card ? { card } : {}) });

describe("presence (SPEC §7)", () => {
  it("a full list replaces, deltas change it, sorted by name", () => {
    const held = [m("old", "Old")];
    const full = applyPresence(held, { t: "presence", members: [m("b", "bob"), m("a", "Ann")] });
    expect(full.map((x) => x.name)).toEqual(["Ann", "bob"]);
    expect(held).toEqual([m("old", "Old")]); // not changed
    const after = applyPresence(full, { t: "presence", joined: [m("c", "Cy")], updated: [m("a", "Ann", "k1")], left: ["b"] });
    expect(after).toEqual([m("a", "Ann", "k1"), m("c", "Cy")]);
    expect(applyPresence(after, { t: "presence", left: ["nobody"] })).toEqual(after);
  });
  it("ignores malformed entries", () => {
    const bad = { t: "presence", joined: [null, 3, m("a", "A")] } as unknown as Parameters<typeof applyPresence>[1];
    expect(applyPresence([], bad)).toEqual([m("a", "A")]);
  });
});
