/** Pure helpers of the facilitation UI: ranked results, the spotlight
 * target, filter words, timer minutes, the pending count. */
import { describe, expect, it } from "vitest";
import { emptyState, newCard, newComment, newSection } from "../src/protocol/model";
import { parseWords, pendingCount } from "../src/ui/facilitate/queue";
import { timerSeconds } from "../src/ui/facilitate/tools";
import { rankCards, roundState } from "../src/ui/session/results";
import { spotTarget } from "../src/ui/session/spotlight";

(globalThis as { document?: unknown }).document ??= { documentElement: {} };

describe("vote round results", () => {
  it("rank visible cards with votes; equal totals share a rank", () => {
    const s = emptyState("b");
    for (const [id, at] of [["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5]] as const) s.cards.set(id, newCard(id, { created_at: at }));
    s.cards.get("e")!.status = "hidden";
    s.votes.set("a", new Map([["x", 1]]));
    s.votes.set("b", new Map([["x", 2], ["y", 1]]));
    s.votes.set("c", new Map([["y", 1]]));
    s.votes.set("e", new Map([["y", 9]]));
    expect(rankCards(s).map((r) => [r.card.id, r.votes, r.rank])).toEqual([["b", 3, 1], ["a", 1, 2], ["c", 1, 2]]);
  });
  it("round state", () => {
    const s = emptyState("b");
    expect(roundState(s)).toBe("none");
    s.session.round = 2;
    s.session.round_open = true;
    expect(roundState(s)).toBe("open");
    s.session.round_open = false;
    expect(roundState(s)).toBe("closed");
  });
});

describe("spotlight target", () => {
  it("a live card or section, else nothing", () => {
    const s = emptyState("b");
    s.cards.set("c1", newCard("c1", { title: "Idee" }));
    s.sections.set("s1", newSection("s1", { title: "Vragen" }));
    s.session.spotlight_kind = "card";
    s.session.spotlight_id = "c1";
    expect(spotTarget(s)).toMatchObject({ kind: "card", id: "c1", title: "Idee" });
    s.session.spotlight_id = "gone";
    expect(spotTarget(s)).toBeNull();
    s.session.spotlight_kind = "section";
    s.session.spotlight_id = "s1";
    expect(spotTarget(s)).toMatchObject({ kind: "section", title: "Vragen", key: "section:s1" });
    s.sections.get("s1")!.deleted = true;
    expect(spotTarget(s)).toBeNull();
  });
});

describe("facilitator panel helpers", () => {
  it("filter words: one per line or comma, trimmed, no blanks or repeats", () => {
    expect(parseWords(" foei \n\nvies woord, foei,\u3000")).toEqual(["foei", "vies woord"]);
  });
  it("timer minutes become whole seconds within a day", () => {
    expect(timerSeconds("5")).toBe(300);
    expect(timerSeconds("1,5")).toBe(90);
    expect(timerSeconds("0")).toBeNull();
    expect(timerSeconds("abc")).toBeNull();
    expect(timerSeconds("1441")).toBeNull();
    expect(timerSeconds("1440")).toBe(86_400);
  });
  it("pending count: cards and comments on live cards", () => {
    const s = emptyState("b");
    s.cards.set("c1", newCard("c1", { status: "pending" }));
    s.cards.set("c2", newCard("c2"));
    s.cards.set("c3", newCard("c3", { status: "pending", deleted: true }));
    s.comments.set("m1", newComment("m1", "c2", { status: "pending" }));
    s.comments.set("m2", newComment("m2", "c3", { status: "pending" }));
    expect(pendingCount(s)).toBe(2);
  });
});
