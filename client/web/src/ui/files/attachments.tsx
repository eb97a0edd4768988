/** A card's files and link preview as the card shows them: photos as
 * thumbnails (lazy, with their size reserved so nothing jumps when they
 * arrive), a PDF as its first page when the server made one, audio with a
 * player, anything else as a chip (icon, name, size). A click opens the
 * viewer. Names and preview text go in as text nodes only. */
import { createContext } from "preact";
import { useContext, useState } from "preact/hooks";
import type { Card } from "../../protocol/model";
import { isSafeUrl } from "../../protocol/ops";
import { useBlobUrl, useNear } from "./blobs";
import { formatSize } from "./messages";
import { altText, removeFileOp, type FileOp } from "./ops";
import { ft } from "./strings";
import type { FileAccess } from "./upload";
import { cardFiles, type Attachment, type LinkPreview } from "./types";
import { FileViewer } from "./viewer";
import "./files.css";

/** The board and link token file requests carry (null: no access yet). */
export const FileAccessContext = createContext<FileAccess | null>(null);

/** Shown as a picture (thumbnail) rather than a chip. */
export const pictured = (f: Attachment): boolean => f.kind === "image" || (f.kind === "pdf" && f.thumb);

/** Aspect ratio to reserve for a picture before it loads: the image's own,
 * a page (A4 portrait) for a PDF, else 4:3. */
export const ratioOf = (f: Attachment): [number, number] =>
  f.w > 0 && f.h > 0 ? [f.w, f.h] : f.kind === "pdf" ? [210, 297] : [4, 3];

const FileGlyph = ({ kind }: { kind: Attachment["kind"] }) => {
  const d = kind === "pdf" ? "M6 3h9l4 4v14H6zM14 3v5h5M9 13h6M9 17h4"
    : kind === "audio" ? "M9 18V6l10-2v12M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0zM19 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z"
    : kind === "image" ? "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9h.01"
    : "M6 3h9l4 4v14H6zM14 3v5h5";
  return (
    <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={d} />
    </svg>
  );
};

function Picture({ file, alt, access, single, big, onOpen }: {
  file: Attachment; alt: string; access: FileAccess | null; single: boolean; big: boolean; onOpen: () => void;
}) {
  const [ref, near] = useNear<HTMLButtonElement>();
  // A card shown large (the hub screen's spotlight) gets the photo itself:
  // a thumbnail blown up to a wall screen is a blur.
  const blob = useBlobUrl(access, file.id, file.thumb && !(big && file.kind === "image") ? "thumb" : "full", near);
  const [w, h] = ratioOf(file);
  return (
    <button ref={ref} type="button" class={`file-pic${single ? " single" : ""} kind-${file.kind}`} data-testid="file-thumb" data-file={file.id}
      data-loaded={blob.url ? "true" : undefined} title={file.name}
      aria-label={file.kind === "pdf" ? `${ft("openFile", { name: alt })}, ${ft("kind_pdf")}` : ft("openFile", { name: alt })}
      style={single ? { aspectRatio: `${w} / ${h}` } : undefined} onClick={onOpen}>
      {blob.url ? <img src={blob.url} alt={alt} width={w} height={h} decoding="async" draggable={false} /> : (
        <span class="file-ph" aria-hidden="true">{blob.failed ? <FileGlyph kind={file.kind} /> : null}</span>
      )}
      {file.kind === "pdf" ? <span class="file-badge" aria-hidden="true">{ft("kind_pdf")}</span> : null}
    </button>
  );
}

function Chip({ file, onOpen }: { file: Attachment; onOpen: () => void }) {
  const size = formatSize(file.size);
  return (
    <button type="button" class={`file-chip kind-${file.kind}`} data-testid="file-chip" data-file={file.id} onClick={onOpen}
      aria-label={ft("openFile", { name: ft("fileLabel", { name: file.name, size }) })}>
      <FileGlyph kind={file.kind} />
      <span class="file-name">{file.name}</span>
      <span class="file-size">{size}</span>
    </button>
  );
}

/** An audio file: a chip whose button loads the sound into a player in
 * place (fetched only when asked: audio can be large). */
function AudioChip({ file, access, onOpen }: { file: Attachment; access: FileAccess | null; onOpen: () => void }) {
  const [on, setOn] = useState(false);
  const blob = useBlobUrl(access, file.id, "full", on);
  if (on && blob.url) {
    return (
      <div class="file-chip kind-audio playing" data-testid="file-audio" data-file={file.id}>
        <audio controls autoplay src={blob.url} aria-label={file.name} />
        <button type="button" class="file-name link" onClick={onOpen}>{file.name}</button>
      </div>
    );
  }
  return (
    <div class="file-chip kind-audio" data-testid="file-chip" data-file={file.id}>
      <button type="button" class="icon play" aria-label={ft("play", { name: file.name })} disabled={on && !blob.failed} onClick={() => setOn(true)}>
        <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="currentColor"><path d="M8 5v14l11-7z" /></svg>
      </button>
      <button type="button" class="file-name link" onClick={onOpen}>{file.name}</button>
      <span class="file-size">{blob.failed ? ft("loadFailed") : formatSize(file.size)}</span>
    </div>
  );
}

/** A card's files. `onRemove` is given where this person may remove them
 * (the card's author or a facilitator, board not locked for them). */
export function CardFiles({ card, onRemove, big }: {
  card: Card; onRemove?: ((file: Attachment) => void) | undefined; big?: boolean | undefined;
}) {
  const access = useContext(FileAccessContext);
  const files = cardFiles(card);
  const [open, setOpen] = useState<number | null>(null);
  if (files.length === 0) return null;
  const pics = files.filter(pictured);
  const others = files.filter((f) => !pictured(f));
  const at = (f: Attachment) => () => setOpen(files.indexOf(f));
  return (
    <div class={`card-files${big ? " big" : ""}`} data-testid="card-files" data-count={files.length}>
      {pics.length > 0 ? (
        <div class={`file-pics n-${Math.min(pics.length, 3)}`}>
          {pics.map((f) => <Picture key={f.id} file={f} alt={altText(card, f)} access={access} single={pics.length === 1} big={big ?? false} onOpen={at(f)} />)}
        </div>
      ) : null}
      {others.length > 0 ? (
        <div class="file-chips">
          {others.map((f) => f.kind === "audio"
            ? <AudioChip key={f.id} file={f} access={access} onOpen={at(f)} />
            : <Chip key={f.id} file={f} onOpen={at(f)} />)}
        </div>
      ) : null}
      {open !== null ? (
        <FileViewer files={files} index={open} alt={(f) => altText(card, f)} access={access}
          onClose={() => setOpen(null)} onRemove={onRemove} />
      ) : null}
    </div>
  );
}

/** The Open Graph preview of a card's link: image, site, title and
 * description, the whole a link to the page (it replaces the bare URL). */
export function PreviewCard({ preview, url }: { preview: LinkPreview; url: string }) {
  const access = useContext(FileAccessContext);
  const [ref, near] = useNear<HTMLElement>();
  // The server ingests the page's image like an upload: it has a thumbnail.
  const blob = useBlobUrl(access, preview.image, "thumb", near && preview.image !== "");
  const safe = isSafeUrl(url);
  const site = preview.site || (() => { try { return new URL(url).host; } catch { return ""; } })();
  const inner = (
    <>
      {preview.image && !blob.failed ? (
        <span class="preview-img">{blob.url ? <img src={blob.url} alt="" decoding="async" /> : null}</span>
      ) : null}
      <span class="preview-text">
        {site ? <span class="preview-site">{site}</span> : null}
        <span class="preview-title" data-testid="preview-title">{preview.title || url}</span>
        {preview.description ? <span class="preview-desc">{preview.description}</span> : null}
      </span>
    </>
  );
  return safe ? (
    <a ref={ref} class="link-preview" data-testid="link-preview" href={url} target="_blank" rel="noopener noreferrer nofollow ugc">{inner}</a>
  ) : <div ref={ref} class="link-preview" data-testid="link-preview">{inner}</div>;
}

/** Remove one of a card's files after the user confirms; the last thing on
 * a card takes the card with it (ops.ts: removeFileOp). */
export const removeWithConfirm = (card: Card, file: Attachment, submit: (op: FileOp) => void): void => {
  const r = removeFileOp(card, file.id);
  if (r && confirm(ft(r.last ? "confirmRemoveLast" : "confirmRemoveFile", { name: file.name }))) submit(r.op);
};
