/** Facilitator controls: title, layout, theme, dot-vote budget, sections. */
import { useEffect, useRef, useState } from "preact/hooks";
import { t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import type { BoardState } from "../protocol/model";
import { LAYOUTS, THEMES, cpLen, pyStrip, type Layout, type Theme } from "../protocol/ops";
import type { Session } from "../sync/session";
import { LimitedField } from "./common";
import { newId } from "./hooks";
import { TrashIcon } from "./icons";
import { LinksPanel } from "./links/panel";
import { liveSections, posBetween } from "./order";

export function LayoutSwitch({ session, state }: { session: Session; state: BoardState }) {
  return (
    <div class="segmented" role="radiogroup" aria-label={t("layout")} data-testid="layout-switch">
      {LAYOUTS.map((l) => (
        <button key={l} type="button" role="radio" aria-checked={state.settings.layout === l} class={state.settings.layout === l ? "on" : ""}
          data-layout={l} onClick={() => session.submit({ type: "board.set", layout: l as Layout })}>
          {t(`layout_${l}` as MsgKey)}
        </button>
      ))}
    </div>
  );
}

export function SettingsDialog({ session, state, onClose }: { session: Session; state: BoardState; onClose: () => void }) {
  const s = state.settings;
  const [title, setTitle] = useState(s.title);
  const [budget, setBudget] = useState(String(s.vote_budget));
  const [newSection, setNewSection] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => { const d = dialog.current; if (d && !d.open) d.showModal(); }, []);
  const sections = liveSections(state);

  const saveTitle = () => {
    const v = pyStrip(title);
    if (v && v !== s.title && cpLen(v) <= L.MAX_BOARD_TITLE) session.submit({ type: "board.set", title: v });
  };
  const saveBudget = () => {
    const n = Number(budget);
    if (Number.isInteger(n) && n >= 0 && n <= L.MAX_VOTE_BUDGET && n !== s.vote_budget) session.submit({ type: "board.set", vote_budget: n });
  };
  const addSection = (e: Event) => {
    e.preventDefault();
    const v = newSection.trim();
    if (!v || cpLen(v) > L.MAX_SECTION_TITLE) return;
    const last = sections[sections.length - 1];
    session.submit({ type: "section.add", id: newId(), title: v, pos: posBetween(last?.pos ?? null, null) });
    setNewSection("");
  };
  const swap = (i: number, j: number) => {
    const a = sections[i];
    if (!a || j < 0 || j >= sections.length) return;
    const rest = sections.filter((_, k) => k !== i);
    session.submit({ type: "section.set", id: a.id, pos: posBetween(rest[j - 1]?.pos ?? null, rest[j]?.pos ?? null) });
  };

  return (
    <dialog ref={dialog} class="editor settings" aria-labelledby="settings-title" onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <h2 id="settings-title">{t("settings")}</h2>
      <form onSubmit={(e) => { e.preventDefault(); saveTitle(); saveBudget(); }}>
        <LimitedField id="board-title" label={t("boardTitle")} value={title} max={L.MAX_BOARD_TITLE} onInput={setTitle} testid="board-title-input" />
        <div class="field">
          <span class="label">{t("layout")}</span>
          <LayoutSwitch session={session} state={state} />
        </div>
        <div class="row">
          <div class="field">
            <label for="vote-budget">{t("voteBudget")}</label>
            <input id="vote-budget" type="number" min={0} max={L.MAX_VOTE_BUDGET} value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
            <div class="field-foot"><span class="hint">0–{L.MAX_VOTE_BUDGET}</span></div>
          </div>
          <div class="field">
            <label for="theme">{t("theme")}</label>
            <select id="theme" value={s.theme} onChange={(e) => session.submit({ type: "board.set", theme: e.currentTarget.value as Theme })}>
              {THEMES.map((th) => <option key={th} value={th}>{t(`theme_${th}` as MsgKey)}</option>)}
            </select>
          </div>
        </div>
        <button type="submit" class="btn">{t("save")}</button>
      </form>
      <h3>{t("sections")}</h3>
      <ul class="sections-list">
        {sections.map((sec, i) => (
          <li key={sec.id}>
            <SectionTitle session={session} id={sec.id} title={sec.title} />
            <button type="button" class="icon" aria-label={t("moveUp")} disabled={i === 0} onClick={() => swap(i, i - 1)}>↑</button>
            <button type="button" class="icon" aria-label={t("moveDown")} disabled={i === sections.length - 1} onClick={() => swap(i, i + 1)}>↓</button>
            <button type="button" class="icon" aria-label={t("delete")} onClick={() => session.submit({ type: "section.delete", id: sec.id })}><TrashIcon /></button>
          </li>
        ))}
      </ul>
      <form class="add-section" onSubmit={addSection}>
        <LimitedField id="new-section" label={t("sectionTitle")} value={newSection} max={L.MAX_SECTION_TITLE} onInput={setNewSection} testid="section-input" />
        <button type="submit" class="btn" data-testid="section-add">{t("addSection")}</button>
      </form>
      <LinksPanel session={session} />
      <div class="actions">
        <button type="button" class="btn primary" onClick={() => { saveTitle(); saveBudget(); onClose(); }}>{t("close")}</button>
      </div>
    </dialog>
  );
}

function SectionTitle({ session, id, title }: { session: Session; id: string; title: string }) {
  const [v, setV] = useState(title);
  const save = () => { if (v !== title && cpLen(v) <= L.MAX_SECTION_TITLE) session.submit({ type: "section.set", id, title: v }); };
  return (
    <input aria-label={t("sectionTitle")} value={v} maxLength={L.MAX_SECTION_TITLE} onInput={(e) => setV(e.currentTarget.value)}
      onBlur={save} onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); save(); } }} />
  );
}
