/** The notes of a board, or a card's description: a drawer beside the
 * board (full screen on a phone) with the shared editor, a small toolbar
 * for headings, lists and action items, undo of one's own edits, and the
 * Markdown export. One component for both: a description is the same kind
 * of document (SPEC §5b), only who may write it differs (the policy). */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import type { BoardState } from "../../protocol/model";
import { BOARD_DOC, docCard } from "../../protocol/notes";
import { NotesSync } from "../../sync/notes";
import type { Session } from "../../sync/session";
import { NotesEditor, type EditorApi } from "./editor";
import "./notes.css";

/** Put `prefix` at the start of the current line (or take it away). */
const toggleLine = (api: EditorApi, prefix: string): void => {
  const { view } = api;
  const head = view.state.selection.main.head;
  const line = view.state.doc.lineAt(head);
  const has = line.text.startsWith(prefix);
  view.dispatch({
    changes: { from: line.from, to: line.from + (has ? prefix.length : 0), insert: has ? "" : prefix },
    selection: { anchor: has ? Math.max(line.from, head - prefix.length) : head + prefix.length },
  });
  view.focus();
};

export function NotesPanel({ session, state, doc = BOARD_DOC, onClose }: {
  session: Session; state: BoardState; doc?: string; onClose: () => void;
}) {
  const sync = useMemo(() => new NotesSync(session, doc), [session, doc]);
  const cardId = docCard(doc);
  const card = cardId === null ? undefined : state.cards.get(cardId);
  const [, rerender] = useState(0);
  const api = useRef<EditorApi | null>(null);
  const closeBtn = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    sync.onRebuild = () => rerender((n) => n + 1);
    sync.start();
    return () => { sync.stop(); session.focusNotes(null, null); };
  }, [sync]);
  useEffect(() => {
    const key = (e: KeyboardEvent) => { if (e.key === "Escape") onClose(); };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);
  const role = session.replica.role;
  // The board's notes: anyone who writes on the board. A description: the
  // policy decides (anyone who sees the card, on a board they may write).
  const editable = role !== "viewer" && (role === "facilitator" || !state.settings.locked)
    && (cardId === null || session.replica.allows({ type: "notes.update", doc, update: new Uint8Array() }));
  const heading = card ? card.title || card.body.split("\n")[0]?.slice(0, 80) || card.url : state.settings.title;
  const exportMd = () => {
    const text = `# ${heading}\n\n${sync.text.toString().replace(/\n+$/, "")}\n`;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
    a.download = cardId === null ? `${state.board}-notes.md` : `${state.board}-card-${cardId}.md`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  const tool = (label: string, prefix: string, testid: string) => (
    <button type="button" class="btn small" disabled={!editable} onClick={() => api.current && toggleLine(api.current, prefix)} data-testid={testid}>{label}</button>
  );
  return (
    <div class="drawer notes-drawer" role="dialog" aria-modal="false" aria-labelledby="notes-title" data-testid="notes-panel" data-doc={doc}>
      <div class="drawer-head">
        <h2 id="notes-title">{cardId === null ? t("notesTitle") : t("descTitle")}</h2>
        <button type="button" class="btn small" ref={closeBtn} onClick={onClose} data-testid="notes-close">{t("close")}</button>
      </div>
      <div class="notes-tools" role="toolbar" aria-label={cardId === null ? t("notesTitle") : t("descTitle")}>
        {tool(t("notesHeading"), "## ", "notes-heading")}
        {tool(t("notesList"), "- ", "notes-list")}
        {tool(t("notesTask"), "- [ ] ", "notes-task")}
        <button type="button" class="btn small" disabled={!editable} onClick={() => { if (api.current) { api.current.undo.undo(); api.current.view.focus(); } }} data-testid="notes-undo">{t("notesUndo")}</button>
        <button type="button" class="btn small" onClick={exportMd} data-testid="notes-export">{t("notesExport")}</button>
      </div>
      {card ? <p class="notes-card" data-testid="notes-card">{heading}</p> : null}
      {!editable ? <p class="banner" role="note">{t(cardId === null ? "notesReadOnly" : "descReadOnly")}</p> : null}
      <div class="drawer-body notes-body">
        <NotesEditor key={sync.generation} sync={sync} members={session.members} me={session.replica.actor} editable={editable}
          label={cardId === null ? t("notesTitle") : t("descTitle")} hint={cardId === null ? t("notesHint") : t("descHint")}
          onReady={(a) => { api.current = a; }} onCursor={(c) => session.focusNotes(doc, c)} />
      </div>
    </div>
  );
}
