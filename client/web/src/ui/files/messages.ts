/** Sizes and upload errors in words. Pure: the server's JSON errors
 * (`{error, message}` with 413/415/422/403/401/404/429) become a closed set
 * of reasons the user reads in their language; an answer that is not such
 * JSON (a proxy's HTML page, a cut connection) still gets a clear reason. */
import { getLang } from "../../i18n";
import { ft } from "./strings";

export type UploadErrorCode =
  | "too_large" | "unsupported_type" | "invalid" | "forbidden" | "unauthorized" | "not_found"
  | "rate_limited" | "too_many" | "network" | "server" | "empty";

export interface UploadError {
  code: UploadErrorCode;
  /** The server's own words or the HTTP status, shown only for "server". */
  detail: string;
}

/** The reason for each HTTP status the upload route answers with. */
const BY_STATUS: Readonly<Record<number, UploadErrorCode>> = {
  401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "too_large", 415: "unsupported_type",
  422: "invalid", 429: "rate_limited",
};

const CODES: ReadonlySet<string> = new Set<UploadErrorCode>([
  "too_large", "unsupported_type", "invalid", "forbidden", "unauthorized", "not_found", "rate_limited",
]);

/** The reason a failed upload answer gives: the JSON `error` code when it is
 * one we know, else the HTTP status; status 0 is a broken connection. */
export const uploadError = (status: number, body: string): UploadError => {
  if (status === 0) return { code: "network", detail: "" };
  let error = "";
  let message = "";
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object") {
      const p = parsed as { error?: unknown; message?: unknown };
      if (typeof p.error === "string") error = p.error;
      if (typeof p.message === "string") message = p.message;
    }
  } catch {
    /* not JSON: fall back on the status */
  }
  if (CODES.has(error)) return { code: error as UploadErrorCode, detail: message };
  const code = BY_STATUS[status];
  if (code) return { code, detail: message };
  return { code: "server", detail: message ? message.slice(0, 200) : `HTTP ${status}` };
};

/** A size in bytes as people read it: 930 B, 12 KB, 3.4 MB (decimal units,
 * as phones and file managers show them). */
export const formatSize = (bytes: number): string => {
  const n = Math.max(0, bytes);
  if (n < 1000) return ft("sizeB", { n });
  const units = ["sizeKB", "sizeMB", "sizeGB"] as const;
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  const shown = v < 10 ? (Math.round(v * 10) / 10).toLocaleString(getLang() === "nl" ? "nl-NL" : "en-GB", { maximumFractionDigits: 1 }) : String(Math.round(v));
  return ft(units[i]!, { n: shown });
};

/** What the user reads about a failed upload of `name`. */
export const errorMessage = (err: UploadError, name: string, size: number, maxFiles: number): string => {
  switch (err.code) {
    case "too_large": return ft("err_too_large", { name, size: formatSize(size) });
    case "too_many": return ft("err_too_many", { name, max: maxFiles });
    case "server": return ft("err_server", { name, detail: err.detail });
    default: return ft(`err_${err.code}`, { name });
  }
};
