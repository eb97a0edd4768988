/** Uploading: the queue as a hook (several at once, each with progress and
 * a cancel), the tray that shows it, and the buttons that pick files — the
 * phone's camera and a plain file picker. Where a finished file goes (a
 * card, a new card, the open editor) is the caller's `onDone`. */
import { useEffect, useReducer, useRef } from "preact/hooks";
import { errorMessage, type UploadError } from "./messages";
import { fraction, reduceQueue, toStart, visible, type Upload, type UploadTarget } from "./queue";
import { ft } from "./strings";
import { MAX_FILES_PER_CARD, type Attachment } from "./types";
import { startUpload, type FileAccess } from "./upload";

let counter = 0;
const nextKey = (): string => `u${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The name a file is uploaded under: a pasted screenshot has a generic
 * name or none; give it one with a date so two are told apart. */
export const uploadName = (file: { name: string; type: string }, now: Date = new Date()): string => {
  const name = file.name.trim();
  if (name && name !== "image.png" && name !== "blob") return name;
  const ext = file.type.startsWith("image/") ? `.${file.type.slice(6).replace(/[^a-z0-9]/g, "") || "png"}` : "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}.${pad(now.getSeconds())}${ext}`;
};

export interface Uploads {
  queue: readonly Upload[];
  /** Queue files for `target`; `refused` ones show at once as failed. */
  add: (files: readonly File[], target: UploadTarget, refused?: { files: readonly File[]; error: UploadError }) => void;
  cancel: (key: string) => void;
  dismiss: (key: string) => void;
  /** Uploads not yet ended. */
  busy: number;
}

/** The upload queue of one surface (the board, or the editor). Uploads run
 * MAX_PARALLEL_UPLOADS at a time; unmounting aborts those still running. */
export const useUploads = (access: FileAccess | null, onDone: (u: Upload, att: Attachment, file: File) => void): Uploads => {
  const [queue, dispatch] = useReducer(reduceQueue, []);
  const files = useRef(new Map<string, File>());
  const aborts = useRef(new Map<string, () => void>());
  const done = useRef(onDone);
  done.current = onDone;
  const access_ = useRef(access);
  access_.current = access;

  useEffect(() => {
    const acc = access_.current;
    if (!acc) return;
    for (const u of toStart(queue)) {
      const file = files.current.get(u.key);
      if (!file) continue;
      dispatch({ type: "start", key: u.key });
      const finish = () => { aborts.current.delete(u.key); files.current.delete(u.key); };
      aborts.current.set(u.key, startUpload(acc, file, u.name, {
        progress: (loaded) => dispatch({ type: "progress", key: u.key, loaded }),
        done: (att) => { finish(); dispatch({ type: "done", key: u.key, attachment: att }); done.current(u, att, file); },
        fail: (error) => { finish(); dispatch({ type: "fail", key: u.key, error }); },
      }));
    }
  }, [queue]);
  useEffect(() => () => { for (const abort of aborts.current.values()) abort(); }, []);

  return {
    queue,
    busy: queue.filter((u) => u.status === "queued" || u.status === "uploading").length,
    add: (list, target, refused) => {
      for (const f of list) {
        const key = nextKey();
        const name = uploadName(f);
        if (f.size === 0) {
          dispatch({ type: "refuse", key, name, size: 0, target, error: { code: "empty", detail: "" } });
          continue;
        }
        files.current.set(key, f);
        dispatch({ type: "add", key, name, size: f.size, target });
      }
      for (const f of refused?.files ?? []) {
        dispatch({ type: "refuse", key: nextKey(), name: uploadName(f), size: f.size, target, error: refused!.error });
      }
    },
    cancel: (key) => {
      aborts.current.get(key)?.();
      aborts.current.delete(key);
      files.current.delete(key);
      dispatch({ type: "cancel", key });
    },
    dismiss: (key) => dispatch({ type: "dismiss", key }),
  };
};

/** Uploads under way and those that failed, each with its progress and a
 * cancel, or its reason and a dismiss. */
export function UploadTray({ uploads, class: cls }: { uploads: Uploads; class?: string }) {
  const shown = visible(uploads.queue);
  return (
    <section class={`upload-tray${cls ? ` ${cls}` : ""}`} aria-label={ft("uploads")} data-testid="upload-tray" hidden={shown.length === 0}>
      <ul aria-live="polite">
        {shown.map((u) => (
          <li key={u.key} class={`upload status-${u.status}`} data-testid="upload" data-status={u.status}>
            {u.status === "failed" && u.error ? (
              <>
                <span class="upload-error" role="alert" data-testid="upload-error" data-code={u.error.code}>{errorMessage(u.error, u.name, u.size, MAX_FILES_PER_CARD)}</span>
                <button type="button" class="btn small ghost" onClick={() => uploads.dismiss(u.key)}>{ft("dismiss")}</button>
              </>
            ) : (
              <>
                <span class="upload-name">{u.status === "queued" ? ft("queued", { name: u.name }) : ft("uploading", { name: u.name, pct: Math.round(fraction(u) * 100) })}</span>
                <progress max={100} value={Math.round(fraction(u) * 100)} aria-label={u.name} />
                <button type="button" class="icon small" data-testid="upload-cancel" aria-label={ft("cancelUpload", { name: u.name })}
                  title={ft("cancelUpload", { name: u.name })} onClick={() => uploads.cancel(u.key)}>×</button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

const CameraIcon = () => (
  <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d="M4 8h3l2-3h6l2 3h3v11H4zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z" />
  </svg>
);
export const ClipIcon = () => (
  <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d="M20 11l-8 8a5 5 0 0 1-7-7l8-8a3.5 3.5 0 0 1 5 5l-8 8a2 2 0 0 1-3-3l7-7" />
  </svg>
);

/** The two ways to pick: the camera (a phone opens it straight away; a
 * laptop falls back to its picker) and any file, several at once. Each is
 * a real `<input type=file>` inside its label, so it takes keyboard focus
 * and works with every assistive technology. */
export function AttachButtons({ id, onFiles, disabled, compact }: {
  id: string; onFiles: (files: File[]) => void; disabled?: boolean; compact?: boolean;
}) {
  const take = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const list = input.files ? [...input.files] : [];
    input.value = "";
    if (list.length) onFiles(list);
  };
  return (
    <div class={`attach-buttons${compact ? " compact" : ""}`}>
      <label class={`btn attach${disabled ? " disabled" : ""}`} for={`${id}-camera`} title={compact ? ft("attachPhoto") : undefined}>
        <input id={`${id}-camera`} class="file-input" type="file" accept="image/*" capture="environment" disabled={disabled}
          data-testid={`${id}-camera`} onChange={take} />
        <CameraIcon /> <span class={compact ? "sr-only" : ""}>{ft("attachPhoto")}</span>
      </label>
      <label class={`btn attach${disabled ? " disabled" : ""}`} for={`${id}-file`} title={compact ? ft("attachFile") : undefined}>
        <input id={`${id}-file`} class="file-input" type="file" multiple disabled={disabled} data-testid={`${id}-file`} onChange={take} />
        <ClipIcon /> <span class={compact ? "sr-only" : ""}>{ft("attachFile")}</span>
      </label>
    </div>
  );
}

/** Files carried by a drag or a paste (none for dragged text or links). */
export const transferFiles = (dt: DataTransfer | null): File[] => {
  if (!dt) return [];
  if (dt.files && dt.files.length) return [...dt.files];
  const out: File[] = [];
  for (const item of dt.items ? [...dt.items] : []) {
    if (item.kind === "file") {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  return out;
};

/** Whether a drag carries files (its content is hidden until the drop). */
export const dragHasFiles = (dt: DataTransfer | null): boolean => !!dt && [...(dt.types ?? [])].includes("Files");
