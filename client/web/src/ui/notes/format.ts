/** How the notes look while they stay plain text: Markdown lines styled in
 * place (`#` headings, `-` lists, `- [ ]` action items with a checkbox to
 * tick and the assignee's `@name` marked), and others' cursors with their
 * names. CodeMirror decorations with classes only: the CSP allows no inline
 * styles, so colours come from notes.css by a palette index. */
import { RangeSetBuilder, StateEffect, type Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import * as Y from "yjs";

const HEADING = /^(#{1,3}) /;
const TASK = /^(\s*[-*+] )\[( |x|X)\]( |$)/;
const BULLET = /^\s*[-*+] /;
const MENTION = /@[\p{L}\p{N}_.-]+/gu;

class CheckboxWidget extends WidgetType {
  constructor(readonly done: boolean, readonly at: number, readonly editable: boolean) { super(); }
  override eq(other: CheckboxWidget): boolean { return other.done === this.done && other.at === this.at && other.editable === this.editable; }
  toDOM(view: EditorView): HTMLElement {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "nt-check";
    box.checked = this.done;
    box.disabled = !this.editable;
    box.setAttribute("aria-label", this.done ? "done" : "to do");
    box.addEventListener("mousedown", (e) => e.preventDefault());
    box.addEventListener("click", (e) => {
      e.preventDefault();
      if (!this.editable) return;
      // "[ ]" ↔ "[x]": one character, merged like any other typing.
      view.dispatch({ changes: { from: this.at + 1, to: this.at + 2, insert: this.done ? " " : "x" } });
    });
    return box;
  }
  override ignoreEvent(): boolean { return true; }
}

const lines = (view: EditorView, editable: boolean): DecorationSet => {
  const b = new RangeSetBuilder<Decoration>();
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to;) {
      const line = view.state.doc.lineAt(pos);
      const text = line.text;
      const h = HEADING.exec(text);
      const task = TASK.exec(text);
      if (h) b.add(line.from, line.from, Decoration.line({ class: `nt-h nt-h${h[1]!.length}` }));
      else if (task) b.add(line.from, line.from, Decoration.line({ class: task[2] === " " ? "nt-task" : "nt-task nt-done" }));
      else if (BULLET.test(text)) b.add(line.from, line.from, Decoration.line({ class: "nt-li" }));
      if (task) {
        const at = line.from + task[1]!.length;
        // The widget takes "[ ] " with its space: a bare space beside a widget
        // at the end of a line is lost by the browser's editing.
        const indent = task[1]!.length - task[1]!.trimStart().length; // the "- " goes too: the box is the bullet
        b.add(line.from + indent, line.from + task[0].length, Decoration.replace({ widget: new CheckboxWidget(task[2] !== " ", at, editable) }));
      }
      for (const m of text.matchAll(MENTION)) {
        const start = line.from + (m.index ?? 0);
        if (!task || start >= line.from + task[0].length) b.add(start, start + m[0].length, Decoration.mark({ class: "nt-at" }));
      }
      pos = line.to + 1;
    }
  }
  return b.finish();
};

/** Headings, lists and checkboxes, styled in place. */
export const markdownLines = (editable: boolean): Extension =>
  ViewPlugin.fromClass(class {
    decorations: DecorationSet;
    constructor(view: EditorView) { this.decorations = lines(view, editable); }
    update(u: ViewUpdate): void { if (u.docChanged || u.viewportChanged) this.decorations = lines(u.view, editable); }
  }, { decorations: (v) => v.decorations });

// --- others' cursors ----------------------------------------------------------

export interface RemoteCursor { key: string; name: string; color: number; anchor: Y.RelativePosition; head: Y.RelativePosition }
/** Tell the editor that the cursors changed (they live outside its state). */
export const cursorsChanged = StateEffect.define<null>();

class NameWidget extends WidgetType {
  constructor(readonly name: string, readonly color: number) { super(); }
  override eq(o: NameWidget): boolean { return o.name === this.name && o.color === this.color; }
  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = `nt-caret c${this.color}`;
    const label = document.createElement("span");
    label.className = "nt-name";
    label.textContent = this.name; // text, never HTML
    caret.append(label);
    return caret;
  }
}

/** Others' cursors and selections with their names (presence). */
export const remoteCursors = (ytext: Y.Text, get: () => RemoteCursor[]): Extension =>
  ViewPlugin.fromClass(class {
    decorations: DecorationSet = Decoration.none;
    constructor(view: EditorView) { this.decorations = this.build(view); }
    update(u: ViewUpdate): void {
      if (u.docChanged || u.transactions.some((t) => t.effects.some((e) => e.is(cursorsChanged)))) this.decorations = this.build(u.view);
    }
    build(view: EditorView): DecorationSet {
      const doc = ytext.doc;
      if (!doc) return Decoration.none;
      const len = view.state.doc.length;
      const ranges = [];
      for (const c of get()) {
        const a = Y.createAbsolutePositionFromRelativePosition(c.anchor, doc);
        const h = Y.createAbsolutePositionFromRelativePosition(c.head, doc);
        if (!a || !h || a.type !== ytext || h.type !== ytext) continue;
        const anchor = Math.min(a.index, len), head = Math.min(h.index, len);
        if (anchor !== head) ranges.push(Decoration.mark({ class: `nt-sel c${c.color}` }).range(Math.min(anchor, head), Math.max(anchor, head)));
        ranges.push(Decoration.widget({ widget: new NameWidget(c.name, c.color), side: 1 }).range(head));
      }
      return Decoration.set(ranges, true);
    }
  }, { decorations: (v) => v.decorations });

const b64 = (u: Uint8Array): string => btoa(String.fromCharCode(...u));
const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** A selection as presence carries it: two Yjs relative positions, base64. */
export const encodeCursor = (ytext: Y.Text, anchor: number, head: number): string =>
  `${b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, anchor)))} ${b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, head)))}`;

export const decodeCursor = (s: string): { anchor: Y.RelativePosition; head: Y.RelativePosition } | null => {
  const [a, h] = s.split(" ");
  if (!a || !h) return null;
  try {
    return { anchor: Y.decodeRelativePosition(unb64(a)), head: Y.decodeRelativePosition(unb64(h)) };
  } catch {
    return null;
  }
};

/** A stable palette slot for a member. */
export const colorOf = (key: string): number => {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 8;
};
