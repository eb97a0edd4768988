// Golden vectors both ways (protocol/vectors/notes*.json): updates made by
// pycrdt and by yjs merge, in yjs, to the maker's text and byte for byte to
// its merged state; the reducer's notes cases; the JSON keeping of bytes.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { fromWire, toWire, emptyState } from "../src/protocol/model";
import { actionItems, binReplacer, binReviver, docState, docText } from "../src/protocol/notes";
import { parseOp } from "../src/protocol/ops";
import { apply, type Event } from "../src/protocol/reducer";
import { loadVectors } from "./vectors";

interface Merge { name: string; updates: string[]; text: string; state: string }
interface Reducer { name: string; events: Event[]; texts: Record<string, string>; states: Record<string, string> }
const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (u: Uint8Array): string => [...u].map((b) => b.toString(16).padStart(2, "0")).join("");

// Packed differently by yrs and yjs (tests/unit/test_notes_vectors.py says why).
const PACKED_DIFFERENTLY = new Set(["two typists in one paragraph, Ann's first"]);
const py = loadVectors<{ merge: Merge[]; reducer: Reducer[]; made_by: string }>("notes.json");
const js = loadVectors<{ merge: Merge[]; made_by: string }>("notes_yjs.json");

describe("notes vectors", () => {
  it("come from both libraries", () => {
    expect([py.made_by, js.made_by].sort()).toEqual(["pycrdt", "yjs"]);
  });
  for (const c of [...py.merge, ...js.merge]) {
    it(`merge: ${c.name}`, () => {
      const d = new Y.Doc();
      d.clientID = 1;
      for (const u of c.updates) Y.applyUpdate(d, fromHex(u));
      expect(d.getText("notes").toString()).toBe(c.text);
      const makers = new Y.Doc();
      Y.applyUpdate(makers, fromHex(c.state));
      expect(makers.getText("notes").toString()).toBe(c.text);
      expect(toHex(Y.encodeStateVector(makers))).toBe(toHex(Y.encodeStateVector(d)));
      expect(toHex(Y.encodeStateAsUpdate(d)) === c.state).toBe(!PACKED_DIFFERENTLY.has(c.name));
    });
  }
  for (const c of py.reducer) {
    it(`reducer: ${c.name}`, () => {
      const s = emptyState("b1");
      for (const e of c.events) {
        const raw = e.op as unknown as Record<string, unknown>;
        const op = raw.type === "notes.update" ? { ...raw, update: fromHex(String(raw.update)) } : raw;
        apply(s, { ...e, op: parseOp(op) });
      }
      expect(Object.fromEntries([...s.notes].map(([k, d]) => [k, docText(d)]))).toEqual(c.texts);
      expect(Object.fromEntries([...s.notes].map(([k, d]) => [k, toHex(docState(d))]))).toEqual(c.states);
      const again = fromWire(JSON.parse(JSON.stringify(toWire(s), binReplacer), binReviver) as Record<string, unknown>);
      expect(toWire(again)).toEqual(toWire(s));
    });
  }
  it("reads action items with their assignee", () => {
    expect(actionItems("- [ ] send slides @Anna\n- [x] book room\ntext")).toEqual([
      { done: false, text: "send slides @Anna", assignee: "Anna" },
      { done: true, text: "book room", assignee: "" },
    ]);
  });
});
