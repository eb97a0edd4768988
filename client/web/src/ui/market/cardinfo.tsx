/** On a question or offer card: its tags, contact, end date (or that it
 * expired) and state, and for its author or a facilitator the next step
 * (open → matched → resolved; resolved → open again). */
import type { Card } from "../../protocol/model";
import type { Op } from "../../protocol/ops";
import { isExpired, isMarketKind, nextState } from "./fields";
import { mt, showDate } from "./strings";
import "./market.css";

export function MarketInfo({ card, canEdit, submit, now = Date.now() }: {
  card: Card; canEdit: boolean; submit: (op: Op) => void; now?: number;
}) {
  if (!isMarketKind(card.kind)) return null;
  const expired = isExpired(card.expires, now);
  const next = nextState(card.state);
  return (
    <div class={`market-info state-${card.state}${expired ? " expired" : ""}`} data-testid="market-info"
      data-state={card.state} data-expired={expired ? "true" : undefined}>
      {card.tags.length ? (
        <ul class="tag-chips" aria-label={mt("tags")}>
          {card.tags.map((tag) => <li key={tag} class="tag-chip" data-testid="card-tag">#{tag}</li>)}
        </ul>
      ) : null}
      {card.contact ? <p class="market-contact" data-testid="card-contact"><span class="sr-only">{mt("contact")}: </span>{card.contact}</p> : null}
      <p class="market-status">
        <span class={`state-badge ${card.state}`} data-testid="card-state">{mt(`state_${card.state as "open"}`)}</span>
        {expired ? <span class="state-badge expired" data-testid="card-expired">{mt("expired")}</span>
          : card.expires ? <span class="market-until">{mt("until", { date: showDate(card.expires) })}</span> : null}
        {canEdit ? (
          <button type="button" class="btn small" data-testid="card-next-state"
            onClick={() => submit({ type: "card.set", id: card.id, state: next } as Op)}>{mt(`next_${next}`)}</button>
        ) : null}
      </p>
    </div>
  );
}
