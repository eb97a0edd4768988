import { describe, expect, it } from "vitest";
import { decodeClient, decodeServer, encode, unpack } from "../src/protocol/codec";
import { ProtocolError } from "../src/protocol/errors";
import { fromHex, loadVectors } from "./vectors";

type ClientFrame = { name: string; hex: string; ok: true; message: Record<string, unknown> } | { name: string; hex: string; ok: false; code: number; id: string | null };
const vectors = loadVectors<{ version: number; client_frames: ClientFrame[]; events_frames: { name: string; hex: string; frame: unknown }[] }>("codec.json");

const refusalOf = (hex: string): { code: number; id: string | null } | null => {
  try {
    decodeClient(fromHex(hex));
    return null;
  } catch (e) {
    if (e instanceof ProtocolError) return { code: e.code, id: e.opId };
    throw e;
  }
};
const codeOf = (hex: string): number | null => refusalOf(hex)?.code ?? null;

describe("client frames (golden vectors)", () => {
  for (const f of vectors.client_frames) {
    it(f.name, () => {
      if (f.ok) {
        const msg = decodeClient(fromHex(f.hex));
        expect(msg).toEqual(f.message);
        // What we encode, the server decodes to the same message.
        expect(decodeClient(encode(msg))).toEqual(f.message);
      } else {
        // The code, and the op id the refusal carries (null: none).
        expect(refusalOf(f.hex)).toEqual({ code: f.code, id: f.id });
      }
    });
  }
});

describe("events frames (golden vectors)", () => {
  for (const f of vectors.events_frames) {
    it(f.name, () => {
      expect(unpack(fromHex(f.hex))).toEqual(f.frame);
      const msg = decodeServer(fromHex(f.hex));
      expect(msg.t).toBe("events");
    });
  }
});

describe("codec edge cases", () => {
  it("refuses floats where ints belong", () => {
    const bytes = encode({ t: "ping", n: 1.5 });
    expect(codeOf(Buffer.from(bytes).toString("hex"))).toBe(302);
  });
  it("refuses frames over 64 KiB with 303", () => {
    const big = new Uint8Array(64 * 1024 + 1);
    expect(() => decodeClient(big)).toThrowError(ProtocolError);
    try { decodeClient(big); } catch (e) { expect((e as ProtocolError).code).toBe(303); }
  });
  it("keeps the op id on a refused op", () => {
    const bytes = encode({ t: "op", id: "x.1", op: { type: "card.add", id: "c1", title: "" } });
    try { decodeClient(bytes); expect.unreachable(); } catch (e) { expect((e as ProtocolError).opId).toBe("x.1"); expect((e as ProtocolError).code).toBe(302); }
  });
});
