/** "Boards made on this device" on the landing page (./device.ts). */
import { useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import { BoardLinks } from "./rows";
import type { DeviceBoard } from "./device";

const day = (ms: number): string =>
  new Date(ms).toLocaleString(getLang() === "nl" ? "nl-NL" : "en-GB", { dateStyle: "medium", timeStyle: "short" });

export function DeviceBoards({ boards, onForget }: { boards: DeviceBoard[]; onForget: (board: string) => void }) {
  if (!boards.length) return null;
  return (
    <section class="panel device-boards" aria-labelledby="device-boards-title" data-testid="device-boards">
      <h2 id="device-boards-title">{t("deviceBoardsTitle")}</h2>
      <p class="hint">{t("deviceBoardsHint")}</p>
      <ul class="board-list">
        {boards.map((b) => <Item key={b.board} b={b} onForget={onForget} />)}
      </ul>
    </section>
  );
}

function Item({ b, onForget }: { b: DeviceBoard; onForget: (board: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <li class="board-item" data-testid="device-board" data-board={b.board}>
      <div class="board-main">
        <div class="board-name">
          <strong data-testid="device-board-title">{b.title}</strong>
          <span class="muted small">{t("createdOn", { date: day(b.at) })}</span>
        </div>
        <div class="board-actions">
          <a class="btn small primary" href={b.links.facilitator} data-testid="device-open">{t("openBoard")}</a>
          <button type="button" class="btn small" aria-expanded={open} data-testid="device-links" onClick={() => setOpen(!open)}>
            {open ? t("hideLinks") : t("showLinks")}
          </button>
          <button type="button" class="btn small danger" data-testid="device-forget"
            onClick={() => { if (window.confirm(t("confirmForget", { title: b.title }))) onForget(b.board); }}>
            {t("forget")}
          </button>
        </div>
      </div>
      {open ? <BoardLinks links={b.links} /> : null}
    </li>
  );
}
