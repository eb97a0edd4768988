import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "../src/i18n";
import { HubApiError, readActivity, readNow, readTemplateChoices, type Activity, type Now } from "../src/ui/hubs/api";
import { serverProblems } from "../src/ui/hubs/hubform";
import { emptyHub } from "../src/ui/hubs/hubform";
import { NOW_POLL_MS, BOUNDARY_SLACK_MS, RETRY_FIRST_MS, RETRY_MAX_MS, STARTING_POLL_MS, STARTING_WINDOW_MS, boundaryOf, nextDelay } from "../src/ui/hubs/schedule";
import { screenTokenFrom, screenUrl } from "../src/ui/hubs/screenlink";
import { activityBody, activityProblems, fieldOf, hubProblems, listEntry, slugFrom, withoutFields, type ActivityDraft } from "../src/ui/hubs/validate";
import { ACTIVITY_TYPES } from "../src/ui/hubs/types";
import { strategyFor } from "../src/sw/strategy";

// setLang touches <html lang>; the tests run without a DOM.
(globalThis as { document?: unknown }).document ??= { documentElement: {} };

const TYPES = ACTIVITY_TYPES.map((x) => x.name as string);
const draft = (change: Partial<ActivityDraft> = {}): ActivityDraft => ({
  type: "brainstorm", title: "Ideeën voor de wijk", start: "2026-12-07T14:00", end: "2026-12-07T16:00", where: "hub",
  place: "Lokaal 2", online: "", description: "", host: "", capacity: "", boardChoice: "none", board: "", template: "",
  freeze: false, ...change,
});
const activity = (start: number, end: number, change: Partial<Activity> = {}): Activity => ({
  ...readActivity({ id: "a1", hub: "delft", type: "training", title: "T", start: new Date(start).toISOString(), end: new Date(end).toISOString() }),
  ...change,
});

describe("hub form validation", () => {
  afterEach(() => setLang("en"));

  it("accepts a good hub and names each bad field in the server's field names", () => {
    const good = { ...emptyHub(), slug: "delft-centrum", name: "Ruimte Delft", partners: ["Gemeente Delft"], contact: { email: "hub@example.nl", phone: "+31 15 123 4567", url: "https://hub.example.nl" } };
    expect(hubProblems(good, true)).toEqual({});
    const bad = hubProblems({
      ...good, slug: "-Delft", name: "  ", description: "x".repeat(4001), supervisor: "a\u0007b",
      contact: { email: "not-mail", phone: "call me", url: "javascript:alert(1)" }, coordinators: ["Bad Name!"],
    }, true);
    expect(bad).toEqual({
      slug: "Use 2–40 lower-case letters, digits and dashes (not at the start or end).",
      name: "Fill this in.",
      description: "At most 4000 characters (4001 now).",
      supervisor: "Contains characters that cannot be shown.",
      "contact.email": "Not an e-mail address.",
      "contact.phone": "Not a phone number (digits, spaces, + ( ) - . /).",
      "contact.url": "Use a web address starting with https:// or http://.",
      coordinators: "“Bad Name!” is not a username.",
    });
    // The slug is only checked when chosen (a hub keeps its slug).
    expect(hubProblems({ ...good, slug: "" }, false)).toEqual({});
  });

  it("suggests a slug from the name", () => {
    expect(slugFrom("Ruimte voor Ondernemendheid — Délft!")).toBe("ruimte-voor-ondernemendheid-delft");
    expect(slugFrom("  ")).toBe("");
    expect(slugFrom("x".repeat(39) + " yz")).toBe("x".repeat(39));
    expect(hubProblems({ ...emptyHub(), name: "Hub Zuid", slug: slugFrom("Hub Zuid") }, true)).toEqual({});
  });

  it("says it in Dutch too", () => {
    setLang("nl");
    expect(hubProblems({ ...emptyHub(), slug: "ok", name: "" }, true)).toEqual({ name: "Vul dit in." });
  });

  it("adds list entries trimmed, once, within the limit", () => {
    expect(listEntry(["Gemeente Delft"], "  TU Delft ", 120)).toEqual({ value: "TU Delft" });
    expect(listEntry(["Gemeente Delft"], "gemeente delft", 120)).toEqual({ problem: "Already in the list." });
    expect(listEntry([], "   ", 120)).toEqual({ problem: "Fill this in." });
    expect(listEntry([], "x".repeat(121), 120)).toEqual({ problem: "At most 120 characters (121 now)." });
  });

  it("checks an activity: times, end after start, online link, places, board or template", () => {
    expect(activityProblems(draft(), TYPES)).toEqual({});
    expect(activityProblems(draft({ end: "2026-12-07T13:00" }), TYPES)).toEqual({ end: "The end must be after the start." });
    expect(activityProblems(draft({ end: "2026-12-07T14:00" }), TYPES)).toEqual({ end: "The end must be after the start." });
    expect(activityProblems(draft({ end: "2026-12-15T14:00" }), TYPES)).toEqual({ end: "An activity lasts at most 7 days." });
    expect(activityProblems(draft({ start: "", end: "2026-02-30T10:00" }), TYPES)).toEqual({ start: "Give a date and time.", end: "Give a date and time." });
    expect(activityProblems(draft({ type: "party", title: "" }), TYPES)).toEqual({ type: "Fill this in.", title: "Fill this in." });
    expect(activityProblems(draft({ title: "a\nb" }), TYPES)).toEqual({ title: "Contains characters that cannot be shown." });
    expect(activityProblems(draft({ where: "online", online: "" }), TYPES)).toEqual({ online: "Fill this in." });
    expect(activityProblems(draft({ where: "online", online: "ftp://x.nl/room" }), TYPES)).toEqual({ online: "Use a web address starting with https:// or http://." });
    expect(activityProblems(draft({ where: "online", online: "https://meet.example.nl/abc" }), TYPES)).toEqual({});
    for (const capacity of ["0", "1.5", "-3", "10001", "veel"]) {
      expect(activityProblems(draft({ capacity }), TYPES)).toEqual({ capacity: "A whole number from 1 to 10000." });
    }
    expect(activityProblems(draft({ boardChoice: "existing" }), TYPES)).toEqual({ board: "Fill this in." });
    expect(activityProblems(draft({ boardChoice: "template" }), TYPES)).toEqual({ template: "Fill this in." });
  });

  it("sends local times as typed and only the chosen board or template", () => {
    const body = activityBody(draft({ title: "  Brainstorm  ", capacity: " 25 ", boardChoice: "template", template: "brainstorm:nl", board: "stale", freeze: true }));
    expect(body).toEqual({
      type: "brainstorm", title: "Brainstorm", start: "2026-12-07T14:00", end: "2026-12-07T16:00", place: "Lokaal 2", online: "",
      description: "", host: "", capacity: 25, board: "", template: "brainstorm:nl", freeze: true,
    });
    expect(activityBody(draft({ where: "online", online: " https://x.nl ", place: "kept out" }))).toMatchObject({ place: "", online: "https://x.nl", capacity: null });
  });

  it("puts a server refusal next to its field, or above the form", () => {
    const fields = ["title", "partners", "contact.email"];
    expect(serverProblems(new HubApiError(422, "invalid", "has at most 120 characters (this has 130)", "title"), fields))
      .toEqual({ title: "Has at most 120 characters (this has 130)" });
    expect(serverProblems(new HubApiError(422, "invalid", "cannot hold control characters", "partners[2]"), fields))
      .toEqual({ partners: "Cannot hold control characters" });
    expect(serverProblems(new HubApiError(422, "invalid", "is not a field here", "colour"), fields)).toEqual({ "": "colour: is not a field here" });
    expect(serverProblems(new HubApiError(409, "taken", "a hub with slug 'x' exists already"), fields)).toEqual({ "": "The server refused: a hub with slug 'x' exists already" });
    expect(fieldOf("wishes[0]")).toBe("wishes");
  });

  it("drops a field's message once it is edited, and the summary with the last one", () => {
    const shown = { "": "Check the fields marked below.", title: "Fill this in.", online: "Fill this in.", board: "Fill this in." };
    expect(withoutFields(shown, ["title"])).toEqual({ "": shown[""], online: "Fill this in.", board: "Fill this in." });
    expect(withoutFields(shown, ["where", "boardChoice", "title"])).toEqual({});
    expect(withoutFields({ "": "The server refused: x" }, ["title"])).toEqual({});
  });
});

describe("the hub screen", () => {
  const T = Date.parse("2026-12-07T09:00:00Z");

  it("reads what to show now, and nothing loose", () => {
    const board = readNow({ mode: "board", board: "b1", token: "tok", join: "http://x/j/AB", hub: { slug: "delft", name: "Delft" }, today: [], recheck_ms: 5000,
      activity: { id: "a1", type: "brainstorm", title: "B", start: "2026-12-07T09:00:00Z", end: "2026-12-07T10:00:00Z" } });
    expect(board).toMatchObject({ mode: "board", board: "b1", token: "tok", join: "http://x/j/AB", hub: "Delft", recheckMs: 5000 });
    expect(board.mode === "board" && board.activity?.end).toBe(Date.parse("2026-12-07T10:00:00Z"));
    // A board answer without a token is no board: the agenda shows.
    expect(readNow({ mode: "board", board: "b1", hub: { name: "Delft" }, today: "nope" })).toEqual({ mode: "agenda", hub: "Delft", today: [], recheckMs: null });
    const agenda = readNow({ mode: "agenda", hub: { name: "Delft" }, today: [{ id: "x", start: "garbage", end: "2026-12-07T10:00:00Z" }, { id: "y", start: "2026-12-07T11:00:00Z", end: "2026-12-07T12:00:00Z" }] });
    expect(agenda.today.map((a) => a.id)).toEqual(["y"]);
  });

  it("asks again just after the running activity ends, or the next starts, else every 20 s", () => {
    const running: Now = { mode: "board", board: "b", token: "t", join: "", hub: "", today: [], recheckMs: null, activity: activity(T - 60_000, T + 5_000) };
    expect(boundaryOf(running, T)).toBe(T + 5_000);
    expect(nextDelay(running, T, 0)).toBe(5_000 + BOUNDARY_SLACK_MS);
    const later: Now = { mode: "agenda", hub: "", recheckMs: null, today: [activity(T + 3_600_000, T + 7_200_000), activity(T + 8_000, T + 9_000, { status: "cancelled" })] };
    expect(nextDelay(later, T, 0)).toBe(NOW_POLL_MS);
    const soon: Now = { mode: "agenda", hub: "", recheckMs: null, today: [activity(T + 8_000, T + 60_000)] };
    expect(nextDelay(soon, T, 0)).toBe(8_000 + BOUNDARY_SLACK_MS);
    // The server's own count wins when it is sooner (its clock, not ours).
    expect(nextDelay({ ...later, recheckMs: 3_000 }, T, 0)).toBe(3_000 + BOUNDARY_SLACK_MS);
    expect(nextDelay(null, T, 0)).toBe(NOW_POLL_MS);
    // Never a busy loop, even for a boundary just passed.
    expect(nextDelay({ ...soon, recheckMs: 0 }, T + 8_000, 0)).toBeGreaterThanOrEqual(BOUNDARY_SLACK_MS);
  });

  it("asks often while a just-started activity may be getting its board", () => {
    const started: Now = { mode: "agenda", hub: "", recheckMs: null, today: [activity(T - 2_000, T + 3_600_000)] };
    expect(nextDelay(started, T, 0)).toBe(STARTING_POLL_MS);
    expect(nextDelay(started, T - 2_000 + STARTING_WINDOW_MS, 0)).toBe(NOW_POLL_MS);
    const cancelled: Now = { ...started, today: [activity(T - 2_000, T + 3_600_000, { status: "cancelled" })] };
    expect(nextDelay(cancelled, T, 0)).toBe(NOW_POLL_MS);
  });

  it("backs off after failures, capped, spread by jitter", () => {
    expect(nextDelay(null, T, 1, 0.5)).toBe(RETRY_FIRST_MS);
    expect(nextDelay(null, T, 2, 0.5)).toBe(2 * RETRY_FIRST_MS);
    expect(nextDelay(null, T, 30, 0.5)).toBe(RETRY_MAX_MS);
    expect(nextDelay(null, T, 1, 0)).toBe(0.75 * RETRY_FIRST_MS);
    expect(nextDelay(null, T, 1, 0.999)).toBeLessThan(1.25 * RETRY_FIRST_MS + 1);
  });

  it("reads its token from the fragment, in either form", () => {
    const token = "WyJkZWxmdCIsMF0.abc-DEF_123";
    expect(screenTokenFrom(`#${token}`)).toBe(token);
    expect(screenTokenFrom(`#t=${token}`)).toBe(token);
    expect(screenTokenFrom("")).toBe("");
    expect(screenTokenFrom("#<script>")).toBe("");
    expect(screenUrl("https://prikbord.example", "delft", token)).toBe(`https://prikbord.example/hub/delft/screen#${token}`);
  });

  it("is an app page the offline shell serves, as are the hub pages", () => {
    const O = "https://prikbord.example";
    for (const p of ["/hub/delft-centrum/screen", "/hub/delft/screen/", "/my/hubs", "/my/hubs/", "/my/hubs/delft"]) {
      expect(strategyFor(new URL(p, O), "GET", "navigate", O), p).toBe("page");
    }
    for (const p of ["/hub/Delft/screen", "/hub/delft", "/my/hubs/delft/x", "/api/hubs/delft/now"]) {
      expect(strategyFor(new URL(p, O), "GET", "navigate", O), p).toBeNull();
    }
  });
});

describe("an activity's templates", () => {
  it("offers the built-ins and the hub's saved templates, not the account's own (the hub makes the board)", () => {
    const answer = {
      builtin: [{ id: "brainstorm:en", name: "Brainstorm" }],
      saved: [
        { id: "mine", name: "My own", scope: "user:coby", created: 1 },
        { id: "hubs", name: "Delft's", scope: "hub:delft", created: 2 },
        { id: "other", name: "Leiden's", scope: "hub:leiden", created: 3 },
      ],
    };
    expect(readTemplateChoices(answer, "delft")).toEqual([
      { id: "brainstorm:en", label: "Brainstorm" }, { id: "hubs", label: "Delft's" },
    ]);
    expect(readTemplateChoices({}, "delft")).toEqual([]);
  });
});
