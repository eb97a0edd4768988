import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/sync/outbox";
import { MAX_DEVICE_BOARDS, deviceBoards, forgetBoard, rememberBoard, updateDeviceLinks } from "../src/ui/links/device";

const links = (n: number) => ({ facilitator: `f${n}`, participant: `p${n}`, viewer: `v${n}`, join: `j${n}` });

describe("boards made on this device", () => {
  it("newest first, bounded, updated and forgotten", () => {
    const store = new MemoryStore();
    for (let i = 0; i < MAX_DEVICE_BOARDS + 5; i++) rememberBoard(store, { board: `b${i}`, title: `T${i}`, at: i, links: links(i) });
    const list = deviceBoards(store);
    expect(list).toHaveLength(MAX_DEVICE_BOARDS);
    expect(list[0]?.board).toBe(`b${MAX_DEVICE_BOARDS + 4}`);
    updateDeviceLinks(store, list[0]!.board, { ...links(0), facilitator: "new" });
    expect(deviceBoards(store)[0]?.links.facilitator).toBe("new");
    expect(forgetBoard(store, list[0]!.board)).toHaveLength(MAX_DEVICE_BOARDS - 1);
  });
  it("reads garbage as empty and skips broken entries", () => {
    const store = new MemoryStore();
    store.setItem("prikbord:created", "{x");
    expect(deviceBoards(store)).toEqual([]);
    store.setItem("prikbord:created", JSON.stringify([{ board: "b", title: "t", at: 1, links: { facilitator: 1 } }, { board: "c", title: "t", at: 1, links: links(1) }]));
    expect(deviceBoards(store).map((b) => b.board)).toEqual(["c"]);
  });
});
