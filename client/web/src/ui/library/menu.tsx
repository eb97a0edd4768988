/** The board's library menu ("Library ▾"): export in four formats and
 * copying a card to another board for anyone on the board (the server
 * sends what the link's role may see, and refuses a viewer's copy), and for
 * a facilitator: duplicate, duplicate without votes and comments, save as a
 * template (with a login). */
import { useState } from "preact/hooks";
import { useMe } from "../account/api";
import { duplicateBoard, exportBoard, saveTemplate, type ExportFormat } from "./api";
import { CopyCardForm } from "./copy";
import { lt } from "./strings";

const FORMATS: [ExportFormat, "exportJson" | "exportCsv" | "exportMd" | "exportPrint"][] = [
  ["json", "exportJson"], ["csv", "exportCsv"], ["md", "exportMd"], ["html", "exportPrint"],
];

export function LibraryMenu({ board, token, facilitator }: { board: string; token: string; facilitator: boolean }) {
  const me = useMe();
  const [note, setNote] = useState("");
  const [copying, setCopying] = useState(false);
  const run = (job: () => Promise<unknown>, done = "") => {
    setNote("");
    job().then(() => setNote(done), (e: unknown) => setNote(lt("failed", { msg: e instanceof Error ? e.message : String(e) })));
  };
  const duplicate = (keep: boolean) =>
    run(async () => {
      const made = await duplicateBoard(board, token, { votes: keep, comments: keep });
      window.open(made.links.facilitator, "_blank", "noopener");
    });
  const template = () => {
    const name = window.prompt(lt("templateName"));
    if (name?.trim()) run(() => saveTemplate(board, token, name.trim()), lt("saved"));
  };
  return (
    <details class="presence library-menu" data-testid="library-menu">
      <summary>{lt("library")} ▾</summary>
      <ul>
        {FORMATS.map(([fmt, key]) => (
          <li key={fmt}><button type="button" class="btn ghost" data-testid={`export-${fmt}`} onClick={() => run(() => exportBoard(board, token, fmt))}>{lt("export")}: {lt(key)}</button></li>
        ))}
        {facilitator ? <li><button type="button" class="btn ghost" data-testid="duplicate" onClick={() => duplicate(true)}>{lt("duplicate")}</button></li> : null}
        {facilitator ? <li><button type="button" class="btn ghost" data-testid="remix" onClick={() => duplicate(false)}>{lt("remix")}</button></li> : null}
        {facilitator && me?.account ? <li><button type="button" class="btn ghost" data-testid="save-template" onClick={template}>{lt("saveTemplate")}</button></li> : null}
        <li><button type="button" class="btn ghost" aria-expanded={copying} data-testid="copy-card" onClick={() => setCopying(!copying)}>{lt("copyCardOpen")}</button></li>
        {copying ? <li><CopyCardForm board={board} token={token} onDone={setNote} /></li> : null}
        <li><a href="/library">{lt("library")} →</a></li>
        {note ? <li><p role="status" data-testid="library-note">{note}</p></li> : null}
      </ul>
    </details>
  );
}
