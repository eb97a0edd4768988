/** The library page's list of one's boards (logged in): the active ones and
 * the archived ones, each with archive/unarchive (server/accounts/boards.py
 * set_archived, through PATCH /api/my/boards) and, for a finished board, a
 * duplicate to start again from it. */
import { useEffect, useState } from "preact/hooks";
import { boardDetail, changeBoard, myBoards, type BoardItem } from "../account/api";
import { lt } from "./strings";

export function BoardShelf({ onError }: { onError: (e: unknown) => void }) {
  const [archived, setArchived] = useState(false);
  const [items, setItems] = useState<BoardItem[] | null>(null);
  const load = () => { myBoards(archived, false).then(setItems, onError); };
  useEffect(load, [archived]);
  const toggle = (b: BoardItem) => { changeBoard(b.board, { archived: !b.archived }).then(load, onError); };
  return (
    <section class="panel" data-testid="library-boards">
      <h2>{lt("yourBoards")}</h2>
      <div role="tablist">
        <button type="button" role="tab" aria-selected={!archived} class="btn ghost" onClick={() => setArchived(false)}>{lt("active")}</button>
        <button type="button" role="tab" aria-selected={archived} class="btn ghost" data-testid="show-archived" onClick={() => setArchived(true)}>{lt("archived")}</button>
      </div>
      {items === null ? null : items.length === 0 ? <p>{lt("noBoards")}</p> : (
        <ul>
          {items.map((b) => (
            <li key={b.board} data-testid="shelf-board">
              <OpenBoard board={b.board} title={b.title} onError={onError} />{" "}
              <button type="button" class="btn ghost" data-testid="archive-toggle" onClick={() => toggle(b)}>{b.archived ? lt("unarchive") : lt("archive")}</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A board's title that opens it with its facilitator link (the account's
 * own or its hub's board: GET /api/my/boards/<id> hands the links out). */
export function OpenBoard({ board, title, onError }: { board: string; title: string; onError: (e: unknown) => void }) {
  const open = () => { boardDetail(board).then((d) => { location.href = d.links.facilitator; }, onError); };
  return <button type="button" class="btn link" onClick={open}>{title}</button>;
}
