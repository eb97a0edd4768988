/** Small shared pieces: language switch, connection indicator, field with limit. */
import type { ComponentChildren, TargetedEvent, TargetedKeyboardEvent } from "preact";
import { getLang, setLang, t, useLang } from "../i18n";
import { cpLen } from "../protocol/ops";
import type { Session } from "../sync/session";
import "./connection.css";

export function LangSwitch() {
  const lang = useLang();
  const other = lang === "nl" ? "en" : "nl";
  return (
    <button type="button" class="btn ghost lang" data-testid="lang-switch" onClick={() => setLang(other)} aria-label={`${other.toUpperCase()}: ${t("language")} ${other === "nl" ? "Nederlands" : "English"}`}>
      {other.toUpperCase()}
    </button>
  );
}

/** One "⋯" menu for a narrow top bar's less used controls (sort, library,
 * language): a phone's bar must fit without sideways scroll (issue 10), and
 * these are used now and then, unlike presence, connection and the
 * facilitator's buttons, which stay in the bar. */
export function MoreMenu({ children }: { children: ComponentChildren }) {
  return (
    <details class="presence more-menu" data-testid="more-menu">
      <summary aria-label={t("moreControls")} title={t("moreControls")}><span aria-hidden="true">⋯</span></summary>
      <div class="more-body">{children}</div>
    </details>
  );
}

export function ConnectionStatus({ session }: { session: Session }) {
  const state = session.state;
  const n = session.unsent;
  return (
    <div class={`conn conn-${state}`} role="status" aria-live="polite" data-testid="conn" data-state={state} data-unsent={n}>
      <span class="dot" aria-hidden="true" />
      <span>{t(`conn_${state}`)}</span>
      {n > 0 && state !== "connected" ? <span class="unsent">· {t("unsent", { n })}</span> : null}
    </div>
  );
}

/** A text input or textarea that shows the limit and refuses more. */
export function LimitedField(props: {
  id: string; label: string; value: string; max: number; multiline?: boolean; required?: boolean;
  onInput: (v: string) => void; placeholder?: string; autoFocus?: boolean; hint?: string; rows?: number;
  onKeyDown?: (e: TargetedKeyboardEvent<HTMLElement>) => void; type?: "text" | "url";  testid?: string;
}) {
  const n = cpLen(props.value);
  const over = n > props.max;
  const common = {
    id: props.id,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    autoFocus: props.autoFocus,
    "aria-invalid": over ? ("true" as const) : undefined,
    "aria-describedby": `${props.id}-count`,
    "data-testid": props.testid,
    onInput: (e: TargetedEvent<HTMLInputElement | HTMLTextAreaElement>) => props.onInput(e.currentTarget.value),
    onKeyDown: props.onKeyDown,
  };
  return (
    <div class={`field${over ? " over" : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.multiline ? <textarea {...common} rows={props.rows ?? 4} /> : props.type === "url" ? <input type="url" {...common} /> : <input type="text" {...common} />}
      <div class="field-foot">
        <span class="hint">{over ? t("tooLong", { n, max: props.max }) : props.hint ?? ""}</span>
        <span id={`${props.id}-count`} class="count" aria-live={over ? "assertive" : "off"}>{t("chars", { n, max: props.max })}</span>
      </div>
    </div>
  );
}

export const langNow = getLang;
