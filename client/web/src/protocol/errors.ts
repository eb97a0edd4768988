/** Error and close codes (protocol/errors.py). Error ranges: 1xx retry,
 * 2xx resync, 3xx reject. Close ranges: 40xx reconnect, 41xx terminal. */
export const ErrorCode = {
  RATE_LIMITED: 100,
  UNAVAILABLE: 101,
  RESYNC: 200,
  BAD_FRAME: 300,
  UNKNOWN_TYPE: 301,
  INVALID: 302,
  TOO_LARGE: 303,
  NOT_JOINED: 304,
  FORBIDDEN: 310,
  NOT_FOUND: 311,
  EXISTS: 312,
  BOARD_FULL: 320,
  VOTE_BUDGET: 321,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export const isRetryable = (code: number): boolean => code >= 100 && code < 200;
export const needsResync = (code: number): boolean => code >= 200 && code < 300;

export const CloseCode = {
  GOING_AWAY: 4000,
  SLOW_CONSUMER: 4001,
  HEARTBEAT_TIMEOUT: 4002,
  INTERNAL: 4003,
  HANDSHAKE_TIMEOUT: 4004,
  /** A connection cap (per address or per board): reconnect with backoff. */
  TOO_MANY_CONNECTIONS: 4006,
  PROTOCOL_VERSION: 4100,
  BAD_HANDSHAKE: 4101,
  UNAUTHORIZED: 4102,
  BOARD_NOT_FOUND: 4103,
  ORIGIN_REJECTED: 4104,
  KICKED: 4105,
  /** The board asks for an access code (participants): missing or wrong. */
  ACCESS_CODE: 4106,
  /** Too many wrong access codes from this address: wait, then ask again. */
  TOO_MANY_ATTEMPTS: 4107,
} as const;

/** 41xx closes are terminal: reconnecting without changing something is useless. */
export const isTerminalClose = (code: number): boolean => code >= 4100 && code < 4200;

/** Bad input: carries the wire code and a safe message. */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly opId: string | null = null,
  ) {
    super(message.slice(0, 200));
  }
}
