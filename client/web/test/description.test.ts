// A card's description as the card shows it (protocol/notes.ts
// describeText, ui/cardindex.ts): the first line without its Markdown
// marker and how many lines have text; a card's facts change when its
// description does, and only then; a description that goes with its card.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { emptyState, newCard, type BoardState } from "../src/protocol/model";
import { TEXT_NAME, cardDescription, cardDoc, describeText } from "../src/protocol/notes";
import { applyOp } from "../src/protocol/reducer";
import { cardFacts } from "../src/ui/cardindex";

/** A Yjs update that types `text` at the end of the document `base`. */
const typing = (base: Y.Doc | undefined, text: string): Uint8Array => {
  const d = new Y.Doc();
  if (base) Y.applyUpdate(d, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(d);
  d.getText(TEXT_NAME).insert(d.getText(TEXT_NAME).length, text);
  return Y.encodeStateAsUpdate(d, before);
};

const type = (s: BoardState, card: string, text: string): void => {
  const update = typing(s.notes.get(cardDoc(card)), text);
  applyOp(s, { type: "notes.update", doc: cardDoc(card), update }, "bo", "Bo", 1, "participant");
};

describe("describeText", () => {
  it("is null for an empty or blank description", () => {
    expect(describeText("")).toBeNull();
    expect(describeText("\n  \n\t\n")).toBeNull();
  });

  it("takes the first line with text, without its Markdown marker, and counts lines with text", () => {
    expect(describeText("\n## Why we do this\n\n- cheaper\n- [ ] ask @Ann\n")).toEqual({ lines: 3, snippet: "Why we do this" });
    expect(describeText("- [x] done already")).toEqual({ lines: 1, snippet: "done already" });
    expect(describeText("* item")).toEqual({ lines: 1, snippet: "item" });
    expect(describeText("#hashtag stays")).toEqual({ lines: 1, snippet: "#hashtag stays" });
  });

  it("cuts a long first line by characters, not UTF-16 units", () => {
    const s = describeText("😀".repeat(100), 10);
    expect(s?.snippet).toBe(`${"😀".repeat(9)}…`);
    expect(describeText("x".repeat(10), 10)?.snippet).toBe("x".repeat(10));
  });
});

describe("a card's facts and its description", () => {
  const board = (): BoardState => {
    const s = emptyState("b");
    for (const id of ["c1", "c2"]) s.cards.set(id, newCard(id, { title: id, author: "ann" }));
    return s;
  };

  it("has none until someone writes one", () => {
    expect(cardFacts(board(), "ann").facts.get("c1")?.description).toBeNull();
  });

  it("changes the card's facts when its description changes, and no other card's", () => {
    const s = board();
    const before = cardFacts(s, "ann").facts;
    type(s, "c1", "# Plan\n- first");
    const after = cardFacts(s, "ann", before).facts;
    expect(after.get("c1")).not.toBe(before.get("c1"));
    expect(after.get("c1")?.description).toEqual({ lines: 2, snippet: "Plan" });
    expect(after.get("c2")).toBe(before.get("c2"));
    expect(cardFacts(s, "ann", after).facts.get("c1")).toBe(after.get("c1")); // unchanged: same object
    type(s, "c1", "\n- second");
    expect(cardFacts(s, "ann", after).facts.get("c1")?.description?.lines).toBe(3);
  });

  it("goes with its card", () => {
    const s = board();
    type(s, "c2", "notes on c2");
    expect(cardDescription(s.notes, "c2")?.snippet).toBe("notes on c2");
    applyOp(s, { type: "card.delete", id: "c2" }, "ann", "Ann", 2, "participant");
    expect(cardDescription(s.notes, "c2")).toBeNull();
  });
});
