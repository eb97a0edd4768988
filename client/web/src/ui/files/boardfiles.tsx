/** Files onto the board: drop them on the board (a new card per file, where
 * dropped) or on a card one may edit (added to it), paste them (new cards),
 * or take a photo with the phone's camera (a new card). Shown only to those
 * who may write (never a viewer or the hub screen; a locked board hides it
 * from participants): the board page renders it under that gate. */
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import * as L from "../../protocol/limits";
import type { Session } from "../../sync/session";
import { newId } from "../hooks";
import { FileAccessContext } from "./attachments";
import { addFileOp, newCardOp } from "./ops";
import { admit, pendingFor, type UploadTarget } from "./queue";
import { ft } from "./strings";
import { cardFiles, MAX_FILES_PER_CARD } from "./types";
import { AttachButtons, dragHasFiles, transferFiles, UploadTray, useUploads } from "./uploader";

/** Several files dropped at once land this far apart on the wall, so each
 * new card shows. */
const CASCADE_PX = 32;

type NewTarget = Extract<UploadTarget, { kind: "new" }>;

export function BoardFiles({ session, spot, section }: {
  session: Session;
  /** A free place for a new card (the board's own placement rule). */
  spot: () => { x: number; y: number };
  /** The column a new card goes to when not dropped in one (the one in view). */
  section: () => string;
}) {
  const access = useContext(FileAccessContext);
  const [over, setOver] = useState(false);
  const uploads = useUploads(access, (u, att) => {
    const view = session.replica.view();
    if (u.target.kind === "card") {
      const op = addFileOp(view.cards.get(u.target.card), att);
      if (op) return session.submit(op);
      // The card went away or filled up meanwhile: the file still gets a card.
      const at = spot();
      return session.submit(newCardOp(view, newId(), att, { kind: "new", ...at, section: section() }));
    }
    if (u.target.kind === "new") session.submit(newCardOp(view, newId(), att, u.target));
  });
  const latest = useRef({ uploads, session, spot, section });
  latest.current = { uploads, session, spot, section };

  useEffect(() => {
    let marked: Element | null = null;
    const mark = (el: Element | null) => {
      if (marked === el) return;
      marked?.classList.remove("drop-target");
      el?.classList.add("drop-target");
      marked = el;
    };
    const inDialog = (e: Event) => e.target instanceof Element && e.target.closest("dialog") !== null;
    const editable = (e: DragEvent): Element | null => {
      const el = e.target instanceof Element ? e.target.closest("[data-card]") : null;
      const id = el?.getAttribute("data-card");
      if (!el || !id) return null;
      const s = latest.current.session;
      const card = s.replica.view().cards.get(id);
      return card && !card.deleted && (card.author === s.replica.actor || s.replica.role === "facilitator") ? el : null;
    };
    const onOver = (e: DragEvent) => {
      if (!dragHasFiles(e.dataTransfer) || inDialog(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      setOver(true);
      mark(editable(e));
    };
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) { setOver(false); mark(null); }
    };
    const onDrop = (e: DragEvent) => {
      setOver(false);
      const target = editable(e);
      mark(null);
      if (inDialog(e)) return;
      const files = transferFiles(e.dataTransfer);
      if (!files.length) return;
      e.preventDefault();
      const { uploads: up, session: s } = latest.current;
      const id = target?.getAttribute("data-card");
      if (id) {
        const card = s.replica.view().cards.get(id);
        const { take, refuse } = admit(files, card ? cardFiles(card).length : 0, pendingFor(up.queue, id), MAX_FILES_PER_CARD);
        up.add(take, { kind: "card", card: id }, { files: refuse, error: { code: "too_many", detail: "" } });
        return;
      }
      const at = dropPoint(e) ?? latest.current.spot();
      const column = e.target instanceof Element ? e.target.closest<HTMLElement>("[data-column]")?.dataset.column : undefined;
      files.forEach((f, i) => {
        const t: NewTarget = { kind: "new", x: at.x + i * CASCADE_PX, y: at.y + i * CASCADE_PX, section: column ?? latest.current.section() };
        up.add([f], t);
      });
    };
    const onPaste = (e: ClipboardEvent) => {
      if (inDialog(e)) return;
      const files = transferFiles(e.clipboardData);
      if (!files.length) return;
      e.preventDefault();
      const at = latest.current.spot();
      files.forEach((f, i) => latest.current.uploads.add([f], { kind: "new", x: at.x + i * CASCADE_PX, y: at.y + i * CASCADE_PX, section: latest.current.section() }));
    };
    document.addEventListener("dragover", onOver);
    document.addEventListener("dragleave", onLeave);
    document.addEventListener("drop", onDrop);
    document.addEventListener("paste", onPaste);
    return () => {
      mark(null);
      document.removeEventListener("dragover", onOver);
      document.removeEventListener("dragleave", onLeave);
      document.removeEventListener("drop", onDrop);
      document.removeEventListener("paste", onPaste);
    };
  }, []);

  const camera = (files: File[]) => {
    const at = spot();
    files.forEach((f, i) => uploads.add([f], { kind: "new", x: at.x + i * CASCADE_PX, y: at.y + i * CASCADE_PX, section: section() }));
  };
  return (
    <>
      {over ? <div class="drop-hint" aria-hidden="true" data-testid="drop-hint">{ft("dropHint")}</div> : null}
      <aside class="board-attach" aria-label={ft("files")}>
        <UploadTray uploads={uploads} />
        <AttachButtons id="board-attach" onFiles={camera} compact />
      </aside>
    </>
  );
}

/** Where on the wall a drop landed, in the wall's coordinates (null when
 * not over the board or not a wall: columns and grid place cards by order); a card is
 * 320 px wide at most, so it stays inside the wall's MAX_COORD. */
const dropPoint = (e: DragEvent): { x: number; y: number } | null => {
  const wall = document.querySelector<HTMLElement>("[data-testid=layout-wall]");
  // Anywhere on the board's area counts: the wall is only as tall as its cards.
  if (!wall || !(e.target instanceof Element) || !e.target.closest("#board")) return null;
  const r = wall.getBoundingClientRect();
  const clamp = (v: number) => Math.max(0, Math.min(L.MAX_COORD - 320, Math.round(v)));
  return { x: clamp(e.clientX - r.left - 40), y: clamp(e.clientY - r.top - 20) };
};
