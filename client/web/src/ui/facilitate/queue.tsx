/** The moderation queue: pending cards and comments with approve / reject,
 * and what was hidden or rejected, with restore. Approval mode and the word
 * filter are switched on here too. */
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import * as L from "../../protocol/limits";
import type { BoardState, Card, Comment } from "../../protocol/model";
import { cpLen, hasControls, pyStrip, type ModAction } from "../../protocol/ops";
import type { Session } from "../../sync/session";
import { cardLabel } from "../session/results";
import { Toggle } from "./panel";

const byTime = (a: { created_at: number; id: string }, b: { created_at: number; id: string }): number =>
  a.created_at - b.created_at || (a.id < b.id ? -1 : 1);

const cardsWith = (s: BoardState, statuses: string[]): Card[] =>
  [...s.cards.values()].filter((c) => !c.deleted && statuses.includes(c.status)).sort(byTime);
const commentsWith = (s: BoardState, statuses: string[]): Comment[] =>
  [...s.comments.values()].filter((m) => !m.deleted && statuses.includes(m.status) && s.cards.get(m.card)?.deleted === false).sort(byTime);

export const pendingCount = (s: BoardState): number => cardsWith(s, ["pending"]).length + commentsWith(s, ["pending"]).length;

/** The board's own filter words from a text: one per line or comma. */
export const parseWords = (text: string): string[] => {
  const out: string[] = [];
  for (const w of text.split(/[\n,]/).map(pyStrip)) if (w && !out.includes(w)) out.push(w);
  return out;
};

export function Moderation({ session, state }: { session: Session; state: BoardState }) {
  const s = state.settings;
  const mod = (kind: "card" | "comment", id: string, action: ModAction) =>
    session.submit({ type: kind === "card" ? "card.moderate" : "comment.moderate", id, action });
  const pendingCards = cardsWith(state, ["pending"]);
  const pendingComments = commentsWith(state, ["pending"]);
  const held = [...cardsWith(state, ["hidden", "rejected"]), ...commentsWith(state, ["hidden", "rejected"])];
  return (
    <div class="fac-section">
      <Toggle label={t("approvalMode")} hint={t("approvalHint")} on={s.approval} testid="approval"
        onChange={(v) => session.submit({ type: "board.set", approval: v })} />
      <Toggle label={t("wordFilter")} hint={t("wordFilterHint")} on={s.filter} testid="filter"
        onChange={(v) => session.submit({ type: "board.set", filter: v })} />
      {s.filter ? <Words session={session} words={s.words} /> : null}
      <h3>{t("pendingTitle")}</h3>
      {pendingCards.length + pendingComments.length === 0 ? <p class="muted" data-testid="queue-empty">{t("queueEmpty")}</p> : null}
      <ul class="queue" data-testid="queue">
        {pendingCards.map((c) => (
          <li key={c.id} class="queue-item" data-testid="queue-card" data-id={c.id}>
            <div class="queue-text"><strong>{cardLabel(c)}</strong>{c.title && c.body ? <span class="queue-body">{c.body}</span> : null}
              <span class="muted">{t("by", { name: c.author_name || t("anonymous") })}</span></div>
            <div class="queue-actions">
              <button type="button" class="btn small primary" data-testid="approve" onClick={() => mod("card", c.id, "approve")}>{t("approve")}</button>
              <button type="button" class="btn small" data-testid="reject" onClick={() => mod("card", c.id, "reject")}>{t("reject")}</button>
            </div>
          </li>
        ))}
        {pendingComments.map((m) => (
          <li key={m.id} class="queue-item" data-testid="queue-comment" data-id={m.id}>
            <div class="queue-text"><span class="muted">{t("commentOn", { title: cardLabel(state.cards.get(m.card)!) })}</span><strong>{m.body}</strong>
              <span class="muted">{t("by", { name: m.author_name || t("anonymous") })}</span></div>
            <div class="queue-actions">
              <button type="button" class="btn small primary" data-testid="approve" onClick={() => mod("comment", m.id, "approve")}>{t("approve")}</button>
              <button type="button" class="btn small" data-testid="reject" onClick={() => mod("comment", m.id, "reject")}>{t("reject")}</button>
            </div>
          </li>
        ))}
      </ul>
      {held.length > 0 ? (
        <>
          <h3>{t("heldTitle")}</h3>
          <ul class="queue" data-testid="held">
            {held.map((o) => {
              const isCard = !("card" in o);
              return (
                <li key={o.id} class="queue-item" data-testid="held-item" data-id={o.id}>
                  <div class="queue-text">
                    <span class={`status-badge ${o.status}`}>{t(o.status === "hidden" ? "statusHidden" : "statusRejected")}</span>
                    <strong>{isCard ? cardLabel(o as Card) : (o as Comment).body}</strong>
                  </div>
                  <div class="queue-actions">
                    <button type="button" class="btn small" data-testid="restore" onClick={() => mod(isCard ? "card" : "comment", o.id, "restore")}>{t("restore")}</button>
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function Words({ session, words }: { session: Session; words: string[] }) {
  const [text, setText] = useState(words.join("\n"));
  const list = parseWords(text);
  const bad = list.find((w) => cpLen(w) > L.MAX_FILTER_WORD || hasControls(w));
  const tooMany = list.length > L.MAX_FILTER_WORDS;
  const same = list.join("\n") === words.join("\n");
  return (
    <form class="words" onSubmit={(e) => { e.preventDefault(); if (!bad && !tooMany) session.submit({ type: "board.set", words: list }); }}>
      <div class="field">
        <label for="filter-words">{t("filterWords")}</label>
        <textarea id="filter-words" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="filter-words" />
        <div class="field-foot">
          <span class="hint">{bad ? t("wordTooLong", { max: L.MAX_FILTER_WORD }) : tooMany ? t("tooManyWords", { max: L.MAX_FILTER_WORDS }) : t("filterWordsHint")}</span>
          <span class="count">{list.length}/{L.MAX_FILTER_WORDS}</span>
        </div>
      </div>
      <button type="submit" class="btn small" disabled={same || !!bad || tooMany} data-testid="save-words">{t("saveWords")}</button>
    </form>
  );
}
