import { describe, expect, it } from "vitest";
import { cloneState, emptyState, newCard, newComment, type BoardState } from "../src/protocol/model";
import { applyOp } from "../src/protocol/reducer";
import { cardFacts, commentsByCard, voteCounts } from "../src/ui/cardindex";

const board = (): BoardState => {
  const s = emptyState("b");
  for (const id of ["c1", "c2", "c3"]) s.cards.set(id, newCard(id, { title: id, author: "ann" }));
  s.comments.set("m2", newComment("m2", "c1", { body: "second", created_at: 20 }));
  s.comments.set("m1", newComment("m1", "c1", { body: "first", created_at: 10 }));
  s.comments.set("m3", newComment("m3", "c2", { body: "gone", created_at: 5, deleted: true }));
  s.votes.set("c1", new Map([["ann", 2], ["bo", 1]]));
  s.votes.set("c3", new Map([["bo", 1]]));
  return s;
};

describe("indexing by card", () => {
  it("groups live comments per card, oldest first, in one pass", () => {
    const by = commentsByCard(board());
    expect(by.get("c1")?.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(by.has("c2")).toBe(false); // only a deleted comment
  });

  it("totals votes per card and counts my votes on live cards only", () => {
    const s = board();
    s.cards.set("c3", newCard("c3", { deleted: true }));
    const v = voteCounts(s, "bo");
    expect(v.total.get("c1")).toBe(3);
    expect(v.mine.get("c1")).toBe(1);
    expect(v.used).toBe(1); // the vote on deleted c3 is refunded
  });

  it("keeps a card's facts object while nothing about it changed", () => {
    const s = board();
    const first = cardFacts(s, "ann").facts;
    const again = cardFacts(s, "ann", first).facts;
    for (const id of ["c1", "c2", "c3"]) expect(again.get(id)).toBe(first.get(id));
    // The optimistic view is a deep copy: equal values still keep identity.
    const copy = cardFacts(cloneState(s), "ann", first).facts;
    expect(copy.get("c1")).toBe(first.get("c1"));
  });

  it("gives a new facts object to exactly the cards an event changed (in place)", () => {
    const s = board();
    const before = cardFacts(s, "ann").facts;
    const at = 100;
    applyOp(s, { type: "card.set", id: "c2", body: "edited" }, "ann", "Ann", at, "participant");
    applyOp(s, { type: "comment.add", id: "m9", card: "c3", body: "hi" }, "bo", "Bo", at, "participant");
    applyOp(s, { type: "reaction.set", card: "c1", emoji: "👍", on: true }, "bo", "Bo", at, "participant");
    const after = cardFacts(s, "ann", before).facts;
    expect(after.get("c1")).not.toBe(before.get("c1")); // a reaction
    expect(after.get("c2")).not.toBe(before.get("c2")); // an edit in place
    expect(after.get("c3")).not.toBe(before.get("c3")); // a comment
    expect(after.get("c2")?.card.body).toBe("edited");
    expect(before.get("c2")?.card.body).toBe(""); // snapshots never change
    // A vote changes only its card.
    applyOp(s, { type: "vote.cast", card: "c2" }, "ann", "Ann", at, "participant");
    const voted = cardFacts(s, "ann", after).facts;
    expect(voted.get("c2")?.votes).toBe(1);
    expect(voted.get("c1")).toBe(after.get("c1"));
    expect(voted.get("c3")).toBe(after.get("c3"));
  });

  it("leaves deleted cards out", () => {
    const s = board();
    applyOp(s, { type: "card.delete", id: "c1" }, "ann", "Ann", 1, "participant");
    expect([...cardFacts(s, "ann").facts.keys()]).toEqual(["c2", "c3"]);
  });

  it("indexes a 2,000-card board with 4,000 comments in one pass per kind", () => {
    const s = emptyState("b");
    for (let i = 0; i < 2000; i++) s.cards.set(`c${i}`, newCard(`c${i}`, { title: `card ${i}` }));
    for (let i = 0; i < 4000; i++) s.comments.set(`m${i}`, newComment(`m${i}`, `c${i % 2000}`, { body: "x", created_at: i }));
    const facts = cardFacts(s, "me").facts;
    expect(facts.size).toBe(2000);
    expect(facts.get("c7")?.comments.map((m) => m.id)).toEqual(["m7", "m2007"]);
  });
});
