/** A card on the hub screen: a tile of fixed size (hub.css) with the text
 * clamped to a few lines, so a page holds a known number (hub/fit.ts).
 * Read-only; memoized on the card's indexed facts, so an update re-renders
 * only the tiles it touched. All user text goes in as text nodes. */
import { memo } from "preact/compat";
import { t, type MsgKey } from "../../i18n";
import { isSafeUrl } from "../../protocol/ops";
import type { CardFacts } from "../cardindex";
import { Emoji } from "../emoji/emoji";
import { CommentIcon, DescIcon, LinkIcon, NoteIcon, OfferIcon, QuestionIcon } from "../icons";
import { TileMedia, tilePicture } from "../files/tilemedia";

const KIND_ICON = { note: NoteIcon, question: QuestionIcon, offer: OfferIcon, link: LinkIcon } as const;

/** "👍2;❤️1*;" (cardindex's reaction signature) → [["👍", 2], ["❤️", 1]]. */
export const reactionCounts = (sig: string): [string, number][] =>
  [...sig.matchAll(/([^;\d*]+)(\d+)\*?;/g)].map((m) => [m[1]!, Number(m[2])]);

/** About this many characters of a title fit on one line of a tile. */
const TITLE_LINE = 18;

export interface TileProps {
  facts: CardFacts;
  recent: boolean;
  rank?: number | undefined;
  /** The narrower "newest" rail: two lines of text. */
  compact?: boolean;
}

function TileBody({ facts, recent, rank, compact }: TileProps) {
  const card = facts.card;
  const kindLabel = t(`kind_${card.kind}` as MsgKey);
  const KindIcon = KIND_ICON[card.kind as keyof typeof KIND_ICON] ?? NoteIcon;
  const last = facts.comments.length ? facts.comments[facts.comments.length - 1] : undefined;
  const text = card.body || (card.url && isSafeUrl(card.url) ? card.url : "");
  // Lines of body text that fit under the title (hub.css): a title longer
  // than TITLE_LINE characters likely takes two lines.
  const lines = compact ? 1 : (!card.title ? 5 : [...card.title].length > TITLE_LINE ? 2 : 3) - (last ? 1 : 0);
  // A photo (or a link's preview image) takes the tile's body instead of text.
  const pic = !compact && tilePicture(card) !== null;
  return (
    <article class={`tile color-${card.color} kind-${card.kind}${recent ? " recent" : ""}${compact ? " compact" : ""}${pic ? " has-pic" : ""}`}
      data-testid="card" data-card={card.id} data-status={card.status}>
      <header class="tile-head">
        {rank !== undefined ? <span class="rank" data-testid="rank" aria-label={t("rankN", { n: rank })}>{rank}</span> : null}
        <span class="kind"><KindIcon /> {kindLabel}</span>
        <span class="tile-by">{t("by", { name: card.author_name || t("anonymous") })}</span>
      </header>
      {card.title ? <h3 class="tile-title" data-testid="card-title">{card.title}</h3> : null}
      {compact ? null : <TileMedia card={card} />}
      {text && lines > 0 && !pic ? <p class={`tile-body lines-${lines}`} data-testid="card-body">{text}</p> : null}
      {last && !compact && !pic ? (
        <p class="tile-comment" data-testid="comment"><strong>{last.author_name || t("anonymous")}</strong> {last.body}</p>
      ) : null}
      <footer class="tile-foot">
        {reactionCounts(facts.reactions).map(([emoji, n]) => <span key={emoji} class="tile-count"><Emoji emoji={emoji} /> {n}</span>)}
        {facts.votes > 0 ? <span class="tile-count votes"><span aria-hidden="true">●</span> {facts.votes}</span> : null}
        {facts.comments.length > 0 ? <span class="tile-count"><CommentIcon /> {facts.comments.length}</span> : null}
        {facts.description ? (
          <span class="tile-count" data-testid="card-desc" data-lines={facts.description.lines}>
            <DescIcon /> <span aria-hidden="true">{facts.description.lines}</span>
            <span class="sr-only">{facts.description.lines === 1 ? t("desc1") : t("descN", { n: facts.description.lines })}</span>
          </span>
        ) : null}
      </footer>
    </article>
  );
}

export const Tile = memo(TileBody);
