/** The notes on a hub screen: large type, legible across a room, following
 * the text as it grows (the newest lines stay in view). Read-only: built
 * from the replica's document, re-rendered on every event. */
import { useEffect, useRef } from "preact/hooks";
import type { BoardState } from "../../protocol/model";
import { BOARD_DOC, docText } from "../../protocol/notes";
import "./notes.css";

const HEADING = /^(#{1,3}) (.*)$/;
const TASK = /^\s*[-*+] \[( |x|X)\] ?(.*)$/;
const BULLET = /^\s*[-*+] (.*)$/;

/** One line of the notes as the screen shows it (text only, never HTML). */
function Line({ text }: { text: string }) {
  const h = HEADING.exec(text);
  if (h) return <div class={`sn-h sn-h${h[1]!.length}`}>{h[2]}</div>;
  const task = TASK.exec(text);
  if (task) {
    const done = task[1] !== " ";
    return <div class={`sn-task${done ? " done" : ""}`}><span class="sn-box" aria-hidden="true">{done ? "☑" : "☐"}</span>{task[2]}</div>;
  }
  const li = BULLET.exec(text);
  if (li) return <div class="sn-li">{li[1]}</div>;
  return text.trim() ? <div class="sn-p">{text}</div> : <div class="sn-gap" />;
}

export function ScreenNotes({ state }: { state: BoardState }) {
  const doc = state.notes.get(BOARD_DOC);
  const text = doc ? docText(doc) : "";
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => { end.current?.scrollIntoView({ block: "end" }); }, [text]);
  if (!text.trim()) return null;
  return (
    <section class="screen-notes" aria-label="Notes" data-testid="screen-notes">
      {text.split("\n").map((line, i) => <Line key={i} text={line} />)}
      <div ref={end} />
    </section>
  );
}
