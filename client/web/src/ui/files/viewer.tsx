/** A card's files full size, in a modal dialog: Esc closes (the dialog's
 * own cancel), Left/Right step through the card's files, a download link
 * saves the file under its name, and the card's author or a facilitator
 * may remove it (after a confirm). The list may change while it is open
 * (someone removes a file): the viewer follows, and closes when none is
 * left. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { TargetedKeyboardEvent } from "preact";
import { useBlobUrl } from "./blobs";
import { formatSize } from "./messages";
import { ft } from "./strings";
import type { Attachment } from "./types";
import type { FileAccess } from "./upload";

/** The index to show after a step of `delta`, wrapping around. */
export const stepIndex = (index: number, delta: number, n: number): number => (n <= 0 ? 0 : (((index + delta) % n) + n) % n);

export function FileViewer({ files, index, alt, access, onClose, onRemove }: {
  files: readonly Attachment[]; index: number; alt: (f: Attachment) => string; access: FileAccess | null;
  onClose: () => void; onRemove?: ((file: Attachment) => void) | undefined;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [currentId, setCurrentId] = useState(files[index]?.id ?? "");
  const at = Math.max(0, files.findIndex((f) => f.id === currentId));
  const file = files[at];
  useEffect(() => {
    // Focus goes back where it was (the thumbnail or chip) when the viewer
    // goes: it is unmounted, not closed, so the browser would not do it.
    const opener = document.activeElement as HTMLElement | null;
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => { if (opener?.isConnected) opener.focus({ preventScroll: true }); };
  }, []);
  useEffect(() => { if (!file) onClose(); }, [file]);
  // Stay on the same place when the file shown was removed by someone else.
  useEffect(() => { if (file && file.id !== currentId) setCurrentId(file.id); }, [file?.id]);
  const full = useBlobUrl(access, file?.id ?? "", "full", file !== undefined);
  const thumb = useBlobUrl(access, file?.id ?? "", "thumb", file !== undefined && file.kind === "pdf" && file.thumb);
  if (!file) return null;
  const step = (delta: number) => setCurrentId(files[stepIndex(at, delta, files.length)]?.id ?? "");
  const onKey = (e: TargetedKeyboardEvent<HTMLDialogElement>) => {
    const el = e.target as HTMLElement;
    if (el.tagName === "AUDIO" || files.length < 2) return;
    if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
    if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
  };
  const name = alt(file);
  let body;
  if (file.kind === "image") {
    body = full.url
      ? <img class="viewer-img" src={full.url} alt={name} width={file.w || undefined} height={file.h || undefined} data-testid="viewer-img" />
      : <p class="viewer-wait">{full.failed ? ft("loadFailed") : ft("loading")}</p>;
  } else if (file.kind === "pdf" && file.thumb) {
    body = thumb.url
      ? <img class="viewer-img page" src={thumb.url} alt={name} data-testid="viewer-img" />
      : <p class="viewer-wait">{thumb.failed ? ft("loadFailed") : ft("loading")}</p>;
  } else if (file.kind === "audio") {
    body = full.url ? <audio controls src={full.url} aria-label={file.name} /> : <p class="viewer-wait">{full.failed ? ft("loadFailed") : ft("loading")}</p>;
  } else {
    body = <p class="viewer-file">{ft(`kind_${file.kind}`)}</p>;
  }
  return (
    <dialog ref={dialog} class="file-viewer" aria-labelledby="file-viewer-title" data-testid="file-viewer" data-file={file.id}
      onCancel={(e) => { e.preventDefault(); onClose(); }} onKeyDown={onKey}
      onClick={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <header class="viewer-head">
        <h2 id="file-viewer-title" class="viewer-title">{file.name}</h2>
        <span class="viewer-meta">{formatSize(file.size)}{files.length > 1 ? ` · ${ft("nOfM", { n: at + 1, m: files.length })}` : ""}</span>
        <button type="button" class="btn ghost" data-testid="viewer-close" onClick={onClose}>{ft("close")}</button>
      </header>
      <div class="viewer-body">{body}</div>
      <footer class="viewer-foot">
        {files.length > 1 ? (
          <>
            <button type="button" class="btn" data-testid="viewer-prev" aria-label={ft("prevFile")} onClick={() => step(-1)}>‹</button>
            <button type="button" class="btn" data-testid="viewer-next" aria-label={ft("nextFile")} onClick={() => step(1)}>›</button>
          </>
        ) : null}
        <span class="spacer" />
        {onRemove ? (
          <button type="button" class="btn danger" data-testid="viewer-remove" aria-label={ft("removeFile", { name: file.name })}
            onClick={() => onRemove(file)}>{ft("remove")}</button>
        ) : null}
        {full.url ? (
          <a class="btn primary" href={full.url} download={file.name} data-testid="viewer-download">{ft("download")}</a>
        ) : <span class="btn primary" aria-disabled="true">{full.failed ? ft("loadFailed") : ft("download")}</span>}
      </footer>
    </dialog>
  );
}
