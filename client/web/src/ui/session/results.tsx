/** Vote round results: cards ranked by dot votes, shown to everyone once a
 * round closes (on the board, in the facilitator panel, on the hub screen). */
import { t } from "../../i18n";
import { voteTotal, type BoardState, type Card } from "../../protocol/model";

export interface Ranked { card: Card; votes: number; rank: number }

/** The round's state: "none" (rounds never used), "open", or "closed". */
export const roundState = (s: BoardState): "none" | "open" | "closed" =>
  s.session.round === 0 ? "none" : s.session.round_open ? "open" : "closed";

/** Visible cards with votes, most first; equal totals share a rank (1, 2, 2, 4). */
export const rankCards = (s: BoardState): Ranked[] => {
  const cards = [...s.cards.values()]
    .filter((c) => !c.deleted && c.status === "visible")
    .map((card) => ({ card, votes: voteTotal(s, card.id) }))
    .filter((r) => r.votes > 0)
    .sort((a, b) => b.votes - a.votes || a.card.created_at - b.card.created_at || (a.card.id < b.card.id ? -1 : 1));
  return cards.map((r, i) => {
    let first = i;
    while (first > 0 && cards[first - 1]!.votes === r.votes) first--;
    return { ...r, rank: first + 1 };
  });
};

export const cardLabel = (c: Card): string => c.title || c.body.slice(0, 80) || c.url || "—";

export function RoundResults({ state, limit }: { state: BoardState; limit?: number }) {
  const ranked = rankCards(state).slice(0, limit ?? 50);
  if (ranked.length === 0) return <p class="muted">{t("resultsNone")}</p>;
  return (
    <ol class="results" data-testid="results">
      {ranked.map((r) => (
        <li key={r.card.id} data-testid="result" data-rank={r.rank}>
          <span class="rank" aria-label={t("rankN", { n: r.rank })}>{r.rank}</span>
          <span class="result-title">{cardLabel(r.card)}</span>
          <span class="result-votes">● {r.votes}<span class="sr-only"> {t("votes")}</span></span>
        </li>
      ))}
    </ol>
  );
}
