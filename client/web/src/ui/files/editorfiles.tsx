/** Files in the card editor: what the card will hold when saved, uploads
 * under way, and the camera and file buttons; a paste or a drop onto the
 * dialog adds files too. Files upload at once (so Save is quick), but the
 * card changes only on Save — one `card.add`/`card.set` with the list —
 * and Save waits until no upload is running. */
import type { TargetedDragEvent } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { useBlobUrl } from "./blobs";
import { FileAccessContext } from "./attachments";
import { formatSize } from "./messages";
import { admit } from "./queue";
import { ft } from "./strings";
import { MAX_FILES_PER_CARD, type Attachment } from "./types";
import { AttachButtons, dragHasFiles, transferFiles, UploadTray, useUploads, type Uploads } from "./uploader";

export interface EditorFilesState {
  files: readonly Attachment[];
  /** Pictures of files uploaded from this editor, from the local copy: the
   * server shows a file only once a card holds it, which is after Save. */
  local: ReadonlyMap<string, string>;
  setFiles: (files: Attachment[]) => void;
  uploads: Uploads;
  add: (list: File[]) => void;
  /** Spread on the editor's dialog: paste and drop add files. */
  handlers: {
    onPaste: (e: ClipboardEvent) => void;
    onDragOver: (e: TargetedDragEvent<HTMLElement>) => void;
    onDrop: (e: TargetedDragEvent<HTMLElement>) => void;
  };
}

export const useEditorFiles = (initial: readonly Attachment[]): EditorFilesState => {
  const access = useContext(FileAccessContext);
  const [files, setFiles] = useState<Attachment[]>(() => [...initial]);
  const local = useRef(new Map<string, string>());
  const uploads = useUploads(access, (_u, att, file) => {
    if (att.kind === "image" && !local.current.has(att.id)) local.current.set(att.id, URL.createObjectURL(file));
    setFiles((fs) => (fs.some((f) => f.id === att.id) || fs.length >= MAX_FILES_PER_CARD ? fs : [...fs, att]));
  });
  useEffect(() => () => { for (const url of local.current.values()) URL.revokeObjectURL(url); }, []);
  const add = (list: File[]) => {
    const { take, refuse } = admit(list, files.length, uploads.busy, MAX_FILES_PER_CARD);
    uploads.add(take, { kind: "editor" }, { files: refuse, error: { code: "too_many", detail: "" } });
  };
  return {
    files, setFiles, uploads, add, local: local.current,
    handlers: {
      onPaste: (e) => {
        const list = transferFiles(e.clipboardData);
        if (!list.length) return;
        e.preventDefault();
        add(list);
      },
      onDragOver: (e) => { if (dragHasFiles(e.dataTransfer)) { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = "copy"; } },
      onDrop: (e) => {
        const list = transferFiles(e.dataTransfer);
        if (!list.length) return;
        e.preventDefault();
        add(list);
      },
    },
  };
};

function Row({ file, localUrl, onRemove }: { file: Attachment; localUrl: string | undefined; onRemove: () => void }) {
  const access = useContext(FileAccessContext);
  const server = useBlobUrl(access, file.id, "thumb", file.thumb && localUrl === undefined);
  const blob = localUrl ? { url: localUrl } : server;
  return (
    <li class="editor-file" data-testid="editor-file" data-file={file.id}>
      <span class="editor-file-pic" aria-hidden="true">{blob.url ? <img src={blob.url} alt="" width={48} height={48} /> : null}</span>
      <span class="file-name">{file.name}</span>
      <span class="file-size">{formatSize(file.size)}</span>
      <button type="button" class="icon small" data-testid="editor-file-remove" aria-label={ft("removeFile", { name: file.name })}
        title={ft("removeFile", { name: file.name })} onClick={onRemove}>×</button>
    </li>
  );
}

export function EditorFiles({ ed }: { ed: EditorFilesState }) {
  const full = ed.files.length + ed.uploads.busy >= MAX_FILES_PER_CARD;
  return (
    <fieldset class="editor-files" data-testid="editor-files">
      <legend>{ft("files")} <span class="count">{ed.files.length}/{MAX_FILES_PER_CARD}</span></legend>
      {ed.files.length > 0 ? (
        <ul class="editor-file-list">
          {ed.files.map((f) => <Row key={f.id} file={f} localUrl={ed.local.get(f.id)} onRemove={() => ed.setFiles(ed.files.filter((x) => x.id !== f.id))} />)}
        </ul>
      ) : null}
      <UploadTray uploads={ed.uploads} class="in-editor" />
      <AttachButtons id="editor-attach" onFiles={ed.add} disabled={full} />
      <p class="hint">{ft("attachHint")}</p>
    </fieldset>
  );
}
