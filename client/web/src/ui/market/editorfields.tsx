/** The card editor's part for a question or offer: tags as chips, contact,
 * an end date and (editing) the state. The editor (ui/editor.tsx) keeps it
 * in `useMarketFields` and adds `marketOp`'s fields to its op. */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import * as L from "../../protocol/limits";
import type { Card } from "../../protocol/model";
import { CARD_STATES, cpLen, type CardState } from "../../protocol/ops";
import { LimitedField } from "../common";
import { addTags, dateToExpires, expiresToDate, isMarketKind, type TagProblem } from "./fields";
import { mt } from "./strings";
import "./market.css";

export interface MarketFields {
  tags: string[]; setTags: (t: string[]) => void;
  typed: string; setTyped: (s: string) => void;
  problem: TagProblem; setProblem: (p: TagProblem) => void;
  contact: string; setContact: (s: string) => void;
  date: string; setDate: (s: string) => void;
  state: CardState; setState: (s: CardState) => void;
}

export const useMarketFields = (c: Card | null): MarketFields => {
  const [tags, setTags] = useState<string[]>(c ? [...c.tags] : []);
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<TagProblem>("");
  const [contact, setContact] = useState(c?.contact ?? "");
  const [date, setDate] = useState(expiresToDate(c?.expires ?? 0));
  const [state, setState] = useState<CardState>((c?.state as CardState) ?? "open");
  return { tags, setTags, typed, setTyped, problem, setProblem, contact, setContact, date, setDate, state, setState };
};

/** Why Save cannot go ahead for these fields ("" = it can). */
export const marketBlocker = (ed: MarketFields, kind: string): string => {
  if (!isMarketKind(kind)) return "";
  const n = cpLen(ed.contact);
  if (n > L.MAX_CONTACT) return `${mt("contact")}: ${t("tooLong", { n, max: L.MAX_CONTACT })}`;
  if (dateToExpires(ed.date) === null) return mt("badDate");
  return "";
};

/** The fields the op carries: on a new question/offer the ones set; on an
 * edit the ones changed (a tag still in the box counts as added). Other
 * kinds carry none (a card that stops being a question keeps its tags,
 * unseen, should it become one again). */
export const marketOp = (ed: MarketFields, kind: string, c: Card | null): Record<string, unknown> => {
  if (!isMarketKind(kind)) return {};
  const tags = ed.typed.trim() ? addTags(ed.tags, ed.typed).tags : ed.tags;
  const expires = dateToExpires(ed.date) ?? 0;
  const out: Record<string, unknown> = {};
  if (c) {
    if (tags.join("\n") !== c.tags.join("\n")) out.tags = tags;
    if (ed.contact !== c.contact) out.contact = ed.contact;
    if (expires !== c.expires) out.expires = expires;
    if (ed.state !== c.state) out.state = ed.state;
  } else {
    if (tags.length) out.tags = tags;
    if (ed.contact) out.contact = ed.contact;
    if (expires) out.expires = expires;
  }
  return out;
};

export function MarketFieldsView({ ed, editing }: { ed: MarketFields; editing: boolean }) {
  const add = () => {
    const got = addTags(ed.tags, ed.typed);
    ed.setTags(got.tags);
    ed.setProblem(got.problem);
    ed.setTyped("");
  };
  const problem = ed.problem ? mt(`tag_${ed.problem}`, { max: ed.problem === "long" ? L.MAX_TAG : L.MAX_TAGS }) : "";
  return (
    <div class="market-fields" data-testid="market-fields">
      <div class="field">
        <label for="card-tags">{mt("tags")}</label>
        <ul class="tag-chips" aria-label={mt("tags")}>
          {ed.tags.map((tag) => (
            <li key={tag} class="tag-chip" data-testid="editor-tag">#{tag}
              <button type="button" class="icon" aria-label={mt("removeTag", { tag })}
                onClick={() => ed.setTags(ed.tags.filter((x) => x !== tag))}>×</button>
            </li>
          ))}
        </ul>
        <div class="tag-entry">
          <input id="card-tags" type="text" value={ed.typed} data-testid="card-tags-input" autoComplete="off"
            aria-describedby="card-tags-hint"
            onInput={(e) => {
              const v = e.currentTarget.value;
              if (/[,]/.test(v)) { const got = addTags(ed.tags, v); ed.setTags(got.tags); ed.setProblem(got.problem); ed.setTyped(""); }
              else ed.setTyped(v);
            }}
            onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); add(); } }} />
          <button type="button" class="btn small" onClick={add} disabled={!ed.typed.trim()}>{mt("addTag")}</button>
        </div>
        <p class={problem ? "error" : "hint"} id="card-tags-hint" role={problem ? "alert" : undefined}>
          {problem || mt("tagsHint", { max: L.MAX_TAGS })}
        </p>
      </div>
      <LimitedField id="card-contact" label={mt("contact")} value={ed.contact} max={L.MAX_CONTACT}
        onInput={(v) => ed.setContact(v.replace(/[\r\n]+/g, " "))} hint={mt("contactHint")} testid="card-contact-input" />
      <div class="field">
        <label for="card-expires">{mt("expires")}</label>
        <input id="card-expires" type="date" value={ed.date} data-testid="card-expires-input" min="1970-01-02" max="2099-12-31"
          onInput={(e) => ed.setDate(e.currentTarget.value)} aria-describedby="card-expires-hint" />
        <p class="hint" id="card-expires-hint">{dateToExpires(ed.date) === null ? mt("badDate") : mt("expiresHint")}</p>
      </div>
      {editing ? (
        <div class="field">
          <label for="card-state">{mt("state")}</label>
          <select id="card-state" value={ed.state} data-testid="card-state-input" onChange={(e) => ed.setState(e.currentTarget.value as CardState)}>
            {CARD_STATES.map((s) => <option key={s} value={s}>{mt(`state_${s}`)}</option>)}
          </select>
        </div>
      ) : null}
    </div>
  );
}
