/** The notes editor: CodeMirror 6 bound to the notes' Y.Text
 * (y-codemirror.next), with its own undo (Y.UndoManager: only this
 * person's edits), Markdown lines styled in place and others' cursors. */
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
import { useEffect, useRef } from "preact/hooks";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import * as Y from "yjs";
import type { Member } from "../../protocol/codec";
import type { NotesSync } from "../../sync/notes";
import { colorOf, cursorsChanged, decodeCursor, encodeCursor, markdownLines, remoteCursors, type RemoteCursor } from "./format";

/** Presence is rate-limited (5 focus changes a second): a cursor goes out
 * at most this often, which still follows a typist closely. */
const CURSOR_EVERY_MS = 300;

export interface EditorApi { view: EditorView; undo: Y.UndoManager }

export function NotesEditor({ sync, members, me, editable, label, hint, onReady, onCursor }: {
  sync: NotesSync; members: Member[]; me: string; editable: boolean; label: string; hint: string;
  onReady?: (api: EditorApi | null) => void; onCursor: (cursor: string | null) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const cursors = useRef<RemoteCursor[]>([]);
  const viewRef = useRef<EditorView | null>(null);

  // Others in this document, with where their cursor is.
  cursors.current = members.flatMap((m) => {
    if (m.actor === me || m.notes !== sync.key || !m.cursor) return [];
    const c = decodeCursor(m.cursor);
    return c ? [{ key: m.conn, name: m.name, color: colorOf(m.conn), ...c }] : [];
  });
  useEffect(() => { viewRef.current?.dispatch({ effects: cursorsChanged.of(null) }); });

  useEffect(() => {
    if (!host.current) return;
    const ytext = sync.text;
    const undo = new Y.UndoManager(ytext);
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending: string | null = null;
    const sendCursor = () => { timer = null; last = Date.now(); onCursor(pending); };
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: ytext.toString(),
        extensions: [
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          yCollab(ytext, null, { undoManager: undo }),
          EditorView.lineWrapping,
          EditorState.readOnly.of(!editable),
          EditorView.editable.of(editable),
          EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "notes-text", "aria-multiline": "true" }),
          placeholder(hint),
          markdownLines(editable),
          remoteCursors(ytext, () => cursors.current),
          EditorView.updateListener.of((u) => {
            if (!editable || (!u.selectionSet && !u.docChanged) || !u.view.hasFocus) return;
            const sel = u.state.selection.main;
            pending = encodeCursor(ytext, sel.anchor, sel.head);
            if (timer === null) timer = setTimeout(sendCursor, Math.max(0, CURSOR_EVERY_MS - (Date.now() - last)));
          }),
        ],
      }),
    });
    viewRef.current = view;
    onReady?.({ view, undo });
    return () => {
      if (timer !== null) clearTimeout(timer);
      onReady?.(null);
      view.destroy();
      undo.destroy();
      viewRef.current = null;
    };
  }, [sync, sync.generation, editable]);

  return <div class="notes-editor" ref={host} />;
}
