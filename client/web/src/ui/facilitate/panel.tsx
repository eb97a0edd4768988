/** The facilitator panel: a drawer over the board (a side sheet on a
 * laptop, the whole screen on a phone) with three tabs: the moderation
 * queue, the session tools, and the people here. */
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import type { BoardState } from "../../protocol/model";
import type { Session } from "../../sync/session";
import { SlidersIcon } from "../icons";
import { Moderation, pendingCount } from "./queue";
import { People } from "./people";
import { SessionTools } from "./tools";

export type Tab = "queue" | "session" | "people";

export function FacilitateButton({ state, onOpen }: { state: BoardState; onOpen: () => void }) {
  const n = pendingCount(state);
  return (
    <button type="button" class="btn facilitate" onClick={onOpen} data-testid="facilitate" aria-haspopup="dialog">
      <SlidersIcon /><span class="label-wide"> {t("facilitate")}</span>
      {n > 0 ? <span class="count-badge" data-testid="pending-count" aria-label={t("pendingN", { n })}>{n}</span> : null}
    </button>
  );
}

export function FacilitatorPanel({ session, state, known, tab, setTab, onClose }: {
  session: Session; state: BoardState; known: Map<string, string>; tab: Tab; setTab: (t: Tab) => void; onClose: () => void;
}) {
  const closeBtn = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeBtn.current?.focus();
    const key = (e: KeyboardEvent) => { if (e.key === "Escape") onClose(); };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);
  const n = pendingCount(state);
  const tabs: [Tab, string][] = [["queue", n > 0 ? `${t("tabQueue")} (${n})` : t("tabQueue")], ["session", t("tabSession")], ["people", t("tabPeople")]];
  return (
    <div class="drawer" role="dialog" aria-modal="false" aria-labelledby="fac-title" data-testid="fac-panel">
      <div class="drawer-head">
        <h2 id="fac-title">{t("facilitate")}</h2>
        <button type="button" class="btn small" ref={closeBtn} onClick={onClose} data-testid="fac-close">{t("close")}</button>
      </div>
      <div class="tabs" role="tablist" aria-label={t("facilitate")}>
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`pane-${id}`}
            class={tab === id ? "on" : ""} onClick={() => setTab(id)} data-testid={`tab-${id}`}>{label}</button>
        ))}
      </div>
      <div class="drawer-body" role="tabpanel" id={`pane-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "queue" ? <Moderation session={session} state={state} /> : null}
        {tab === "session" ? <SessionTools session={session} state={state} /> : null}
        {tab === "people" ? <People session={session} state={state} known={known} /> : null}
      </div>
    </div>
  );
}

/** A labelled on/off switch. */
export function Toggle({ label, hint, on, onChange, testid }: { label: string; hint?: string; on: boolean; onChange: (v: boolean) => void; testid: string }) {
  const [id] = useState(() => `tg-${testid}`);
  return (
    <div class="toggle-row">
      <label class="toggle" for={id}>
        <input id={id} type="checkbox" role="switch" checked={on} onChange={(e) => onChange(e.currentTarget.checked)} data-testid={testid} />
        <span class="toggle-label">{label}</span>
      </label>
      {hint ? <p class="hint">{hint}</p> : null}
    </div>
  );
}
