/** The msgpack codec (protocol/codec.py): bytes in, typed messages out.
 *
 * Outbound frames and server frames use @msgpack/msgpack. `decodeClient`
 * (the server's view of a client frame, used by the golden vectors and to
 * check our own frames before sending) needs what that library hides: the
 * difference between a float and an int and every decoder cap, so it uses a
 * small strict decoder of its own. Bad bytes only ever raise ProtocolError.
 */
import { decode, encode as mpEncode } from "@msgpack/msgpack";
import * as L from "./limits";
import { ErrorCode, ProtocolError } from "./errors";
import { Float, checkFields, hasControls, checkId, cpLen, isInt, isPlainMap, parseEventOp, parseOp, pyStrip, OP_ID_RE, OP_TYPES, type EventOp, type Op } from "./ops";
import type { Event } from "./reducer";
import type { Role } from "./model";

// --- messages ----------------------------------------------------------------

export interface Hello {
  t: "hello"; v: number; board: string; token: string; name: string;
  identity?: string; resume?: { epoch: string; seq: number };
  /** The board's access code, when it asks for one (SPEC §2). */
  code?: string;
}
export interface OpMsg { t: "op"; id: string; op: Op }
export interface Focus { t: "focus"; card?: string | null }
export interface Ping { t: "ping"; n: number }
export type ClientMessage = Hello | OpMsg | Focus | Ping;
export const CLIENT_TYPES: ReadonlySet<string> = new Set(["hello", "op", "focus", "ping"]);

/** `notes`/`cursor`: the notes document a member types in and its selection
 * (sync/notes.ts encodes it: two Yjs relative positions, base64). */
export interface Member { conn: string; actor: string; name: string; role: Role; card?: string | null; notes?: string | null; cursor?: string | null }
export interface Welcome {
  t: "welcome"; v: number; board: string; role: Role; actor: string; identity: string;
  epoch: string; seq: number; recovered: boolean; snapshot?: Record<string, unknown> | null;
  heartbeat_ms: number; limits: Record<string, number>;
  /** Server time (ms since the epoch) when sent: the timer counts on it. */
  now?: number;
}
export interface EventsMsg { t: "events"; ev: Event[] }
export interface Ack { t: "ack"; id: string; seq: number }
export interface ErrorMsg { t: "error"; code: number; msg: string; id?: string | null }
/** A full list (`members`), or a delta to a client that asked for deltas
 * (SPEC §7): whole members that joined or were updated, keys that left. */
export interface PresenceMsg { t: "presence"; members?: Member[]; joined?: Member[]; updated?: Member[]; left?: string[] }
export interface Pong { t: "pong"; n: number; now?: number }
export type ServerMessage = Welcome | EventsMsg | Ack | ErrorMsg | PresenceMsg | Pong;

// --- encode --------------------------------------------------------------------

/** Plain data → msgpack bytes; undefined fields are left out. */
export const encode = (obj: unknown): Uint8Array => mpEncode(obj, { ignoreUndefined: true });

// --- strict decoder for client frames ------------------------------------------

const utf8 = new TextDecoder("utf-8", { fatal: true });
const MAX_DEPTH = 512;

class StrictReader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  done(): boolean { return this.pos === this.buf.length; }
  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new Error("truncated");
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u8(): number { return this.view.getUint8(this.need(1)); }
  private u16(): number { return this.view.getUint16(this.need(2)); }
  private u32(): number { return this.view.getUint32(this.need(4)); }
  private str(n: number): string {
    if (n > L.MAX_STR_LEN) throw new Error("str too long");
    const p = this.need(n);
    return utf8.decode(this.buf.subarray(p, p + n));
  }
  private bin(n: number): Uint8Array {
    // No bin values at all, not even empty ones (codec._has_binary).
    if (n >= L.MAX_BIN_LEN) throw new Error("bin is not allowed");
    const p = this.need(n);
    return this.buf.slice(p, p + n);
  }
  private array(n: number, depth: number): unknown[] {
    if (n > L.MAX_ARRAY_LEN) throw new Error("array too long");
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }
  private map(n: number, depth: number): Record<string, unknown> {
    if (n > L.MAX_MAP_LEN) throw new Error("map too large");
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      if (typeof k !== "string") throw new Error("map key is not a str");
      Object.defineProperty(out, k, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  /** The entry count of a map header (throws if the next value is no map). */
  mapHeader(): number {
    const b = this.u8();
    if ((b & 0xf0) === 0x80) return b & 0x0f;
    if (b === 0xde) return this.u16();
    if (b === 0xdf) return this.u32();
    throw new Error("not a map");
  }
  /** Skip one value unread: no caps but depth (bounded by the frame). */
  skip(depth = 0): void {
    if (depth > MAX_DEPTH) throw new Error("too deep");
    const b = this.u8();
    const items = (n: number): void => { for (let i = 0; i < n; i++) this.skip(depth + 1); };
    if (b <= 0x7f || b >= 0xe0) return;
    if ((b & 0xe0) === 0xa0) { this.need(b & 0x1f); return; }
    if ((b & 0xf0) === 0x90) return items(b & 0x0f);
    if ((b & 0xf0) === 0x80) return items(2 * (b & 0x0f));
    switch (b) {
      case 0xc0: case 0xc2: case 0xc3: return;
      case 0xc4: case 0xd9: this.need(this.u8()); return;
      case 0xc5: case 0xda: this.need(this.u16()); return;
      case 0xc6: case 0xdb: this.need(this.u32()); return;
      case 0xc7: this.need(this.u8() + 1); return;
      case 0xc8: this.need(this.u16() + 1); return;
      case 0xc9: this.need(this.u32() + 1); return;
      case 0xcc: case 0xd0: this.need(1); return;
      case 0xcd: case 0xd1: this.need(2); return;
      case 0xca: case 0xce: case 0xd2: this.need(4); return;
      case 0xcb: case 0xcf: case 0xd3: this.need(8); return;
      case 0xd4: this.need(2); return;
      case 0xd5: this.need(3); return;
      case 0xd6: this.need(5); return;
      case 0xd7: this.need(9); return;
      case 0xd8: this.need(17); return;
      case 0xdc: return items(this.u16());
      case 0xdd: return items(this.u32());
      case 0xde: return items(2 * this.u16());
      case 0xdf: return items(2 * this.u32());
      default: throw new Error("reserved type");
    }
  }
  value(depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new Error("too deep");
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xe0) === 0xa0) return this.str(b & 0x1f);
    if ((b & 0xf0) === 0x90) return this.array(b & 0x0f, depth);
    if ((b & 0xf0) === 0x80) return this.map(b & 0x0f, depth);
    const v = this.view;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: return new Float(v.getFloat32(this.need(4)));
      case 0xcb: return new Float(v.getFloat64(this.need(8)));
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return Number(v.getBigUint64(this.need(8)));
      case 0xd0: return v.getInt8(this.need(1));
      case 0xd1: return v.getInt16(this.need(2));
      case 0xd2: return v.getInt32(this.need(4));
      case 0xd3: return Number(v.getBigInt64(this.need(8)));
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default:
        // 0xc1 (never used) and every ext type: max_ext_len is 0.
        throw new Error("ext or reserved type");
    }
  }
}

/** Decode an inbound client frame under the frame and field caps. */
export const unpackClient = (data: Uint8Array): unknown => {
  if (data.length > L.MAX_CLIENT_FRAME) throw new ProtocolError(ErrorCode.TOO_LARGE, `frame over ${L.MAX_CLIENT_FRAME} bytes`);
  try {
    const r = new StrictReader(data);
    const v = r.value();
    if (!r.done()) throw new Error("extra data");
    return v;
  } catch {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "frame is not valid msgpack within limits");
  }
};

/** A refused op frame's id as sent, valid or not, cut to MAX_ERROR_OP_ID
 * characters (codec._op_id_of): the refusal carries it (SPEC §9). */
const opIdOf = (obj: Record<string, unknown>): string | null =>
  obj.t === "op" && typeof obj.id === "string" ? Array.from(obj.id).slice(0, L.MAX_ERROR_OP_ID).join("") : null;

/** The op id of a frame the decoder refused, read best-effort from the first
 * MAX_MAP_LEN entries of its top-level map (codec._op_id_hint): `t` and `id`
 * decoded under the caps, every other value skipped unread. */
export const opIdHint = (data: Uint8Array): string | null => {
  const found: Record<string, unknown> = {};
  try {
    const r = new StrictReader(data);
    const n = Math.min(r.mapHeader(), L.MAX_MAP_LEN);
    for (let i = 0; i < n; i++) {
      const key = r.value();
      if ((key === "t" || key === "id") && !(key in found)) found[key] = r.value();
      else r.skip();
    }
  } catch {
    // malformed past this point: keep what was found
  }
  return opIdOf(found);
};

const fail302 = (where: string, msg: string): never => {
  throw new ProtocolError(ErrorCode.INVALID, `${where}: ${msg}`);
};
const strField = (min: number, max: number, opts: { strip?: boolean; re?: RegExp } = {}) => (v: unknown, where: string): string => {
  if (typeof v !== "string") return fail302(where, "Input should be a valid string");
  const s = opts.strip ? pyStrip(v) : v;
  const n = cpLen(s);
  if (n < min || n > max) fail302(where, `String should have ${min}..${max} characters`);
  if (opts.re && !opts.re.test(s)) fail302(where, "String should match pattern");
  return s;
};
const intField = (min = -Infinity) => (v: unknown, where: string): number => {
  if (!isInt(v)) return fail302(where, "Input should be a valid integer");
  if (v < min) fail302(where, `Input should be greater than or equal to ${min}`);
  return v;
};
/** Any string: a token too long or not verifying is the server's verdict
 * (4102, or a new actor for an identity), not a malformed hello. */
const anyString = (v: unknown, where: string): string => (typeof v === "string" ? v : fail302(where, "Input should be a valid string"));
/** Integers a JavaScript client can hold exactly (messages.SafeInt). */
const safeInt = (v: unknown, where: string): number => {
  const n = intField(0)(v, where);
  if (n > Number.MAX_SAFE_INTEGER) fail302(where, "Input should be less than or equal to 9007199254740991");
  return n;
};
const displayName = (v: unknown, where: string): string => {
  const s = strField(1, L.MAX_NAME, { strip: true })(v, where);
  if (hasControls(s)) fail302(where, "control characters are not allowed");
  return s;
};
const resume = (v: unknown, where: string): unknown => {
  if (!isPlainMap(v)) return fail302(where, "Input should be a valid dictionary");
  return checkFields(v, { epoch: { check: strField(1, 64) }, seq: { check: safeInt } }, `${where}.`, "ignore");
};

const CLIENT_SCHEMAS = {
  hello: {
    v: { check: safeInt },
    board: { check: checkId },
    token: { check: anyString },
    name: { check: displayName },
    identity: { check: anyString, optional: true },
    resume: { check: resume, optional: true },
    code: { check: anyString, optional: true },
  },
  focus: { card: { check: checkId, optional: true } },
  ping: { n: { check: safeInt, default: 0 } },
};

/** Bytes from a client → a validated message, or ProtocolError (what the
 * server does). Client messages ignore unknown fields; ops refuse them. A
 * refused op frame's error names its op id whenever the frame had a string
 * `id`, however the frame was wrong. */
export const decodeClient = (data: Uint8Array): ClientMessage => {
  let obj: unknown;
  try {
    obj = unpackClient(data);
  } catch (e) {
    if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.message, opIdHint(data));
    throw e;
  }
  if (!isPlainMap(obj) || typeof obj.t !== "string") {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "a frame is a map with a string 't'");
  }
  const t = obj.t;
  const opId = opIdOf(obj);
  if (!CLIENT_TYPES.has(t)) throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(t.slice(0, 40))}`);
  const { t: _t, ...rest } = obj;
  try {
    if (t === "op") {
      const op = rest.op;
      if (isPlainMap(op) && typeof op.type === "string" && !OP_TYPES.has(op.type)) {
        throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `unknown op type ${JSON.stringify(op.type.slice(0, 40))}`, opId);
      }
      const fields = checkFields(rest, {
        id: { check: strField(1, L.MAX_OP_ID, { re: OP_ID_RE }) },
        op: { check: (v: unknown) => parseOp(v, "op.") },
      }, "", "ignore");
      return { t: "op", ...fields } as OpMsg;
    }
    const fields = checkFields(rest, CLIENT_SCHEMAS[t as "hello" | "focus" | "ping"], "", "ignore");
    return { t, ...fields } as ClientMessage;
  } catch (e) {
    if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.message, opId);
    throw e;
  }
};

// --- server frames ---------------------------------------------------------------

/** Decode a server frame into plain data (trusted size). */
export const unpack = (data: Uint8Array): unknown => {
  try {
    return decode(data);
  } catch {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "frame is not valid msgpack");
  }
};

const SERVER_TYPES = new Set(["welcome", "events", "ack", "error", "presence", "pong"]);

/** An event as received: a client op or a view patch (SPEC §5). An op this
 * client cannot parse becomes a placeholder (it still advances seq, so the
 * replica stays in step). */
export const toEvent = (raw: unknown): Event => {
  if (!isPlainMap(raw) || !isInt(raw.seq)) throw new ProtocolError(ErrorCode.INVALID, "event without seq");
  let op: EventOp | null = null;
  if (raw.op !== null && raw.op !== undefined) {
    try {
      op = parseEventOp(raw.op);
    } catch {
      op = null;
    }
  }
  return {
    seq: raw.seq,
    op_id: String(raw.op_id ?? ""),
    actor: String(raw.actor ?? ""),
    name: String(raw.name ?? ""),
    role: (raw.role as Role) ?? "participant",
    at: isInt(raw.at) ? raw.at : 0,
    op,
  };
};

/** Bytes from the server → a typed message (unknown fields ignored). */
export const decodeServer = (data: Uint8Array): ServerMessage => {
  const obj = unpack(data);
  if (!isPlainMap(obj) || typeof obj.t !== "string" || !SERVER_TYPES.has(obj.t)) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "not a server message");
  }
  if (obj.t === "events") {
    if (!Array.isArray(obj.ev)) throw new ProtocolError(ErrorCode.INVALID, "events without ev");
    return { t: "events", ev: obj.ev.map(toEvent) };
  }
  return obj as unknown as ServerMessage;
};
