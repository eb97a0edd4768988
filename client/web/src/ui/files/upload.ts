/** One upload over XMLHttpRequest — the browser API that reports upload
 * progress (fetch does not) and can be aborted — to the board's file route
 * (`POST /api/boards/{board}/files`, multipart part `file`, the link token
 * as a Bearer token). The answer is the Attachment the server registered. */
import { identityKey } from "../../sync/session";
import { safeStorage } from "../hooks";
import { uploadError, type UploadError } from "./messages";
import { asAttachment, type Attachment } from "./types";

/** What a request for a board's files needs: the board and the link token
 * the page joined with (the server checks the same grant as for the board). */
export interface FileAccess {
  board: string;
  token: string;
}

/** Headers of every file request: the link token, and the device's signed
 * identity on this board (from `welcome`, kept by the session) when it has
 * one — so the server knows the author of a card waiting for approval (who
 * may see its files) and refuses a removed participant's upload. */
export const fileHeaders = (access: FileAccess): Record<string, string> => {
  const identity = safeStorage.getItem(identityKey(access.board));
  return { Authorization: `Bearer ${access.token}`, ...(identity ? { "X-Prikbord-Identity": identity } : {}) };
};

export const filesUrl = (board: string): string => `/api/boards/${encodeURIComponent(board)}/files`;

/** The file itself, or its preview image. */
export const fileUrl = (board: string, id: string, variant: "full" | "thumb"): string =>
  `${filesUrl(board)}/${encodeURIComponent(id)}${variant === "thumb" ? "/thumb" : ""}`;

export interface UploadHandlers {
  progress: (loaded: number) => void;
  done: (attachment: Attachment) => void;
  fail: (error: UploadError) => void;
}

/** Start uploading `file` as `name`; the returned function aborts it (after
 * which no handler runs). */
export const startUpload = (access: FileAccess, file: Blob, name: string, on: UploadHandlers): (() => void) => {
  const xhr = new XMLHttpRequest();
  let ended = false;
  const end = (fn: () => void) => { if (!ended) { ended = true; fn(); } };
  xhr.open("POST", filesUrl(access.board));
  for (const [k, v] of Object.entries(fileHeaders(access))) xhr.setRequestHeader(k, v);
  xhr.upload.onprogress = (e) => { if (!ended && e.lengthComputable) on.progress(e.loaded); };
  xhr.onload = () => end(() => {
    if (xhr.status === 201 || xhr.status === 200) {
      let parsed: unknown = null;
      try { parsed = JSON.parse(xhr.responseText); } catch { /* handled below */ }
      const att = asAttachment(parsed);
      if (att) on.done(att);
      else on.fail({ code: "server", detail: "bad answer" });
    } else {
      on.fail(uploadError(xhr.status, xhr.responseText));
    }
  });
  xhr.onerror = () => end(() => on.fail(uploadError(0, "")));
  xhr.ontimeout = xhr.onerror;
  const form = new FormData();
  form.append("file", file, name);
  xhr.send(form);
  return () => end(() => xhr.abort());
};
