/** One card: content, reactions, dot votes, comments. All user text goes in
 * as text nodes (JSX children), never as HTML. */
import type { CSSProperties, TargetedKeyboardEvent, TargetedPointerEvent } from "preact";
import { memo } from "preact/compat";
import { useState } from "preact/hooks";
import { t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import { postsBy, voteTotal, type BoardState, type Card } from "../protocol/model";
import type { Op } from "../protocol/ops";
import { REACTIONS, cpLen, isSafeUrl } from "../protocol/ops";
import { cardDescription, type DescriptionSummary } from "../protocol/notes";
import type { Member } from "../protocol/codec";
import type { Session } from "../sync/session";
import type { CardFacts } from "./cardindex";
import { LimitedField } from "./common";
import { Emoji } from "./emoji/emoji";
import { newId } from "./hooks";
import { MarketInfo } from "./market/cardinfo";
import { CommentIcon, DescIcon, EditIcon, GripIcon, EyeOffIcon, LinkIcon, NoteIcon, OfferIcon, QuestionIcon, StarIcon, TrashIcon } from "./icons";
import { CardFiles, PreviewCard, removeWithConfirm } from "./files/attachments";
import { cardPreview } from "./files/types";

export interface CardCtx {
  session: Session | null; // null on the hub screen (read-only)
  state: BoardState;
  members: Member[];
  recent: Map<string, number>;
  onEdit?: (card: Card) => void;
  /** Open the card's description (its shared notes document) in the editor. */
  onDescription?: (card: Card) => void;
  onPointerDown?: (e: TargetedPointerEvent<HTMLElement>, card: Card) => void;
  onKeyMove?: (e: TargetedKeyboardEvent<HTMLElement>, card: Card) => void;
  onComposing?: (card: string | null) => void;
  big?: boolean;
  /** Gates the layout works out once per render (a card must not read them
   * through `state`: it changes in place, so a memoized card would not see
   * the change). Absent: the card asks the replica itself. */
  canWrite?: boolean;
  canVote?: boolean;
  votingOpen?: boolean;
  /** The card in the spotlight (highlighted on the board). */
  spotlight?: string;
  /** Rank of each card after a closed vote round (hub screen). */
  ranks?: Map<string, number>;
  /** Cards with a change the server has not acked (Session.unsavedCards). */
  unsaved?: ReadonlySet<string>;
}

const STATUS_KEY = { pending: "statusPending", hidden: "statusHidden", rejected: "statusRejected" } as const;

/** Why a card or comment shows differently: waiting, hidden or rejected. */
function StatusBadge({ status, mine }: { status: string; mine: boolean }) {
  if (status === "visible") return null;
  const key = STATUS_KEY[status as keyof typeof STATUS_KEY];
  if (!key) return null;
  return <span class={`status-badge ${status}`} data-testid="status" data-status={status}>{t(mine && status === "pending" ? "statusPendingMine" : key)}</span>;
}

const KIND_ICON = { note: NoteIcon, question: QuestionIcon, offer: OfferIcon, link: LinkIcon } as const;

export interface CardProps {
  card: Card;
  ctx: CardCtx;
  style?: CSSProperties | undefined;
  /** The card's indexed facts (ui/cardindex.ts): with them the card is
   * memoized — it renders again only when they or its own part of `ctx`
   * change; without them it renders every time (the spotlight's one card). */
  facts?: CardFacts | undefined;
}

/** Same render input? `facts` stands for the card and its comments, votes
 * and reactions; of `ctx` only this card's part counts (is it recent,
 * spotlit, ranked, being edited, …); handlers are ignored — the layouts
 * pass stable ones. */
export const sameCardProps = (a: CardProps, b: CardProps): boolean => {
  if (!a.facts || a.facts !== b.facts) return false;
  const sa = a.style ?? {};
  const sb = b.style ?? {};
  const ka = Object.keys(sa) as (keyof CSSProperties)[];
  if (ka.length !== Object.keys(sb).length || ka.some((k) => sa[k] !== sb[k])) return false;
  const id = b.card.id;
  const ca = a.ctx as unknown as Record<string, unknown>;
  const cb = b.ctx as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ca), ...Object.keys(cb)])) {
    const va = ca[k];
    const vb = cb[k];
    if (va === vb || k === "state" || typeof vb === "function") continue;
    if (vb instanceof Map && va instanceof Map) { if (va.get(id) !== vb.get(id)) return false; continue; }
    if (vb instanceof Set && va instanceof Set) { if (va.has(id) !== vb.has(id)) return false; continue; }
    if (k === "members") { if (editorsOf(va as Member[], id) !== editorsOf(vb as Member[], id)) return false; continue; }
    if (k === "spotlight") { if ((va === id) !== (vb === id)) return false; continue; }
    return false;
  }
  return true;
};

const editorsOf = (members: Member[] | undefined, id: string): string =>
  (members ?? []).filter((m) => m.card === id).map((m) => `${m.actor}:${m.name}`).join(",");

/** One card, memoized by its facts (see sameCardProps). */
export const CardView = memo(CardBody, sameCardProps);

function CardBody({ card, ctx, style, facts }: CardProps) {
  const { session, state } = ctx;
  const [showComments, setShowComments] = useState(false);
  const [picker, setPicker] = useState(false);
  const [cleanup, setCleanup] = useState(false);
  const me = session?.replica.actor ?? "";
  const role = session?.replica.role ?? "viewer";
  const fac = role === "facilitator";
  // A locked board is read-only for participants (the policy refuses too).
  const canWrite = ctx.canWrite ?? (session !== null && role !== "viewer" && (fac || !state.settings.locked));
  const mine = me !== "" && card.author === me;
  const canEdit = canWrite && (mine || fac);
  const comments = facts?.comments ?? [...state.comments.values()].filter((m) => m.card === card.id && !m.deleted).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const rank = ctx.ranks?.get(card.id);
  const reactions = state.reactions.get(card.id);
  const votes = facts?.votes ?? voteTotal(state, card.id);
  const myVotes = facts ? facts.myVotes : state.votes.get(card.id)?.get(me) ?? 0;
  const editors = ctx.members.filter((m) => m.card === card.id && m.actor !== me);
  const isRecent = ctx.recent.has(card.id);
  const unsaved = ctx.unsaved?.has(card.id) ?? false;
  const kindLabel = t(`kind_${card.kind}` as MsgKey);
  const KindIcon = KIND_ICON[card.kind as keyof typeof KIND_ICON] ?? NoteIcon;
  const submit = session ? session.submit.bind(session) : () => {};
  // A description follows the card: the projection holds it exactly when
  // this viewer sees the card (SPEC §5b), so there is nothing more to check.
  const description = facts ? facts.description : cardDescription(state.notes, card.id);

  return (
    <article
      class={`card color-${card.color} kind-${card.kind} status-${card.status}${isRecent ? " recent" : ""}${mine ? " mine" : ""}${ctx.spotlight === card.id ? " spotlit" : ""}${unsaved ? " unsaved" : ""}`}
      style={style}
      tabIndex={0}
      data-card={card.id}
      data-status={card.status}
      data-unsaved={unsaved ? "true" : undefined}
      data-testid="card"
      aria-label={t("cardLabel", { kind: kindLabel, title: card.title || card.body.slice(0, 60) || card.url })}
      onPointerDown={canEdit && ctx.onPointerDown ? (e) => ctx.onPointerDown?.(e, card) : undefined}
      onKeyDown={canEdit && ctx.onKeyMove ? (e) => ctx.onKeyMove?.(e, card) : undefined}
    >
      <header class="card-head">
        {canEdit && ctx.onPointerDown ? <span class="drag-handle" aria-hidden="true" data-testid="drag-handle"><GripIcon /></span> : null}
        {ctx.spotlight === card.id ? <span class="spot-tag" data-testid="spot-tag"><StarIcon /> {t("spotlight")}</span> : null}
        {rank !== undefined ? <span class="rank" data-testid="rank" aria-label={t("rankN", { n: rank })}>{rank}</span> : null}
        <span class="kind" title={kindLabel}>
          <KindIcon /> {kindLabel}
        </span>
        {editors.length > 0 ? (
          <span class="editing" data-testid="editing"><EditIcon /> {t("editing", { name: editors.map((m) => m.name).join(", ") })}</span>
        ) : null}
        {canEdit || (fac && session !== null) ? (
          <span class="card-tools">
            {fac && card.status === "visible" ? (
              <button type="button" class="icon" aria-label={t("spotlightCard")} title={t("spotlightCard")} data-testid="card-spotlight"
                onClick={() => submit(ctx.spotlight === card.id ? { type: "spotlight.set" } : { type: "spotlight.set", card: card.id })}><StarIcon /></button>
            ) : null}
            {fac && card.status === "visible" ? (
              <button type="button" class="icon" aria-label={t("hideCard")} title={t("hideCard")} data-testid="card-hide"
                onClick={() => submit({ type: "card.moderate", id: card.id, action: "hide" })}><EyeOffIcon /></button>
            ) : null}
            {canEdit ? <button type="button" class="icon" aria-label={t("edit")} title={t("edit")} onClick={() => ctx.onEdit?.(card)}><EditIcon /></button> : null}
            {canEdit ? (
              <button
                type="button" class="icon" aria-label={t("delete")} title={t("delete")}
                onClick={() => { if (confirm(t("confirmDelete"))) submit({ type: "card.delete", id: card.id }); }}
              ><TrashIcon /></button>
            ) : null}
            {fac ? (
              <button type="button" class="icon" aria-label={t("moderate")} title={t("moderate")} aria-expanded={cleanup}
                data-testid="cleanup-toggle" onClick={() => setCleanup(!cleanup)}>⋯</button>
            ) : null}
          </span>
        ) : null}
      </header>
      {cleanup && fac && session !== null ? <Cleanup card={card} state={session.replica.view()} submit={submit} done={() => setCleanup(false)} /> : null}
      {card.status !== "visible" ? (
        <div class="card-status">
          <StatusBadge status={card.status} mine={mine} />
          {fac && session !== null && card.status === "pending" ? (
            <span class="mod-actions">
              <button type="button" class="btn small primary" data-testid="card-approve" onClick={() => submit({ type: "card.moderate", id: card.id, action: "approve" })}>{t("approve")}</button>
              <button type="button" class="btn small" data-testid="card-reject" onClick={() => submit({ type: "card.moderate", id: card.id, action: "reject" })}>{t("reject")}</button>
            </span>
          ) : null}
          {fac && session !== null && (card.status === "hidden" || card.status === "rejected") ? (
            <button type="button" class="btn small" data-testid="card-restore" onClick={() => submit({ type: "card.moderate", id: card.id, action: "restore" })}>{t("restore")}</button>
          ) : null}
        </div>
      ) : null}
      {unsaved ? <span class="unsaved-badge" data-testid="unsaved">{t("notSaved")}</span> : null}
      {card.title ? <h3 class="card-title" data-testid="card-title">{card.title}</h3> : null}
      {card.body ? <p class="card-body" data-testid="card-body">{card.body}</p> : null}
      <MarketInfo card={card} canEdit={canEdit && session !== null} submit={submit} />
      <CardFiles card={card} big={ctx.big} onRemove={canEdit && session ? (f) => removeWithConfirm(card, f, submit) : undefined} />
      {card.url && cardPreview(card) ? <PreviewCard preview={cardPreview(card)!} url={card.url} /> : card.url && isSafeUrl(card.url) ? (
        <a class="card-link" href={card.url} target="_blank" rel="noopener noreferrer nofollow ugc">{card.url}</a>
      ) : null}
      {description ? <Description card={card} summary={description} open={ctx.onDescription} /> : null}
      <div class="card-meta">{t("by", { name: card.author_name || t("anonymous") })}</div>
      <footer class="card-foot">
        <div class="reactions">
          {REACTIONS.map((emoji) => {
            const actors = reactions?.get(emoji);
            const n = actors?.size ?? 0;
            const on = actors?.has(me) ?? false;
            if (n === 0 && !picker) return null;
            return (
              <button
                type="button" class={`reaction${on ? " on" : ""}`} aria-pressed={on} disabled={!canWrite}
                aria-label={`${t("react", { emoji })}, ${n}`} data-emoji={emoji}
                onClick={() => { submit({ type: "reaction.set", card: card.id, emoji, on: !on }); setPicker(false); }}
              >
                <Emoji emoji={emoji} />{n > 0 ? <span class="n">{n}</span> : null}
              </button>
            );
          })}
          {canWrite ? (
            <button type="button" class="reaction add" aria-expanded={picker} aria-label={t("react", { emoji: "…" })} onClick={() => setPicker(!picker)} data-testid="react-toggle">
              {picker ? "×" : <><Emoji emoji="☺" />+</>}
            </button>
          ) : null}
        </div>
        <div class="votes" data-testid="votes" data-votes={votes}>
          {canWrite && myVotes > 0 && (ctx.votingOpen ?? session?.replica.allows({ type: "vote.retract", card: card.id })) ? (
            <button type="button" class="vote minus" aria-label={t("unvote")} onClick={() => submit({ type: "vote.retract", card: card.id })}>−</button>
          ) : null}
          <button
            type="button" class={`vote${myVotes > 0 ? " on" : ""}`} disabled={!canWrite || !(ctx.canVote ?? session?.replica.allows({ type: "vote.cast", card: card.id }))}
            aria-label={`${t("vote")}, ${votes}`} data-testid="vote" onClick={() => submit({ type: "vote.cast", card: card.id })}
          >
            <span aria-hidden="true">●</span> {votes}
          </button>
        </div>
        {!description && canWrite && ctx.onDescription ? (
          <button type="button" class="desc-add" aria-label={t("descAdd")} title={t("descAdd")} data-testid="desc-add"
            onClick={() => ctx.onDescription?.(card)}><DescIcon /><span aria-hidden="true">+</span></button>
        ) : null}
        <button type="button" class="comments-toggle" aria-expanded={showComments} onClick={() => setShowComments(!showComments)} data-testid="comments-toggle">
          <CommentIcon /> <span aria-hidden="true">{comments.length}</span>
          <span class="sr-only">{comments.length === 1 ? t("comment1") : t("commentsN", { n: comments.length })}</span>
        </button>
      </footer>
      {showComments || (ctx.big && comments.length > 0) ? (
        <Comments card={card} ctx={ctx} comments={comments} canWrite={canWrite} me={me} />
      ) : null}
    </article>
  );
}

/** The card's description in one line: its first line and how many more;
 * a button that opens the editor where there is one (not on a hub screen). */
function Description({ card, summary, open }: { card: Card; summary: Readonly<DescriptionSummary>; open: ((card: Card) => void) | undefined }) {
  const inner = (
    <>
      <DescIcon /> <span class="desc-snippet">{summary.snippet}</span>
      {summary.lines > 1 ? <span class="desc-more" aria-hidden="true">+{summary.lines - 1}</span> : null}
      <span class="sr-only">{summary.lines === 1 ? t("desc1") : t("descN", { n: summary.lines })}</span>
    </>
  );
  return open ? (
    <button type="button" class="card-desc" data-testid="card-desc" data-lines={summary.lines} title={t("descOpen")} onClick={() => open(card)}>{inner}</button>
  ) : <p class="card-desc" data-testid="card-desc" data-lines={summary.lines}>{inner}</p>;
}

function CommentModeration({ id, status, session }: { id: string; status: string; session: Session }) {
  const mod = (action: "approve" | "reject" | "hide" | "restore") => session.submit({ type: "comment.moderate", id, action });
  if (status === "pending") {
    return (
      <span class="mod-actions">
        <button type="button" class="btn small primary" data-testid="comment-approve" onClick={() => mod("approve")}>{t("approve")}</button>
        <button type="button" class="btn small" data-testid="comment-reject" onClick={() => mod("reject")}>{t("reject")}</button>
      </span>
    );
  }
  if (status === "visible") {
    return <button type="button" class="icon small" aria-label={t("hideComment")} title={t("hideComment")} data-testid="comment-hide" onClick={() => mod("hide")}><EyeOffIcon /></button>;
  }
  return <button type="button" class="btn small" data-testid="comment-restore" onClick={() => mod("restore")}>{t("restore")}</button>;
}

/** A facilitator's clean-up of a flooded board: one `posts.delete` removes
 * everything by this card's author, or this card and all that came after it
 * (SPEC §4). The confirm says how much goes. */
function Cleanup({ card, state, submit, done }: {
  card: Card; state: BoardState; submit: (op: Op) => void; done: () => void;
}) {
  const run = (op: { author?: string; since?: number }, confirmKey: "confirmDeleteByAuthor" | "confirmDeleteSince") => {
    const { cards, comments } = postsBy(state, op.author, op.since);
    if (confirm(t(confirmKey, { name: card.author_name || "?", cards: cards.length, comments: comments.length }))) {
      submit({ type: "posts.delete", ...op });
    }
    done();
  };
  // In anonymous mode ("all") a facilitator does not know the author either.
  return (
    <div class="card-cleanup" role="group" aria-label={t("moderate")}>
      {card.author ? (
        <button type="button" class="btn small" data-testid="delete-by-author" onClick={() => run({ author: card.author }, "confirmDeleteByAuthor")}>
          {t("deleteByAuthor", { name: card.author_name || "?" })}
        </button>
      ) : null}
      <button type="button" class="btn small" data-testid="delete-since" onClick={() => run({ since: card.created_at }, "confirmDeleteSince")}>
        {t("deleteSince")}
      </button>
    </div>
  );
}

function Comments({ card, ctx, comments, canWrite, me }: {
  card: Card; ctx: CardCtx; comments: readonly { id: string; body: string; author: string; author_name: string; status: string }[]; canWrite: boolean; me: string;
}) {
  const [text, setText] = useState("");
  const role = ctx.session?.replica.role ?? "viewer";
  const send = () => {
    const body = text.trim();
    if (!body || cpLen(body) > L.MAX_COMMENT || !ctx.session) return;
    ctx.session.submit({ type: "comment.add", id: newId(), card: card.id, body });
    setText("");
  };
  return (
    <section class="comments" aria-label={t("comments")}>
      <ul>
        {comments.map((m) => (
          <li key={m.id} data-testid="comment" data-status={m.status} class={`status-${m.status}`}>
            <strong>{m.author_name || t("anonymous")}</strong> <span class="comment-body">{m.body}</span>
            {" "}<StatusBadge status={m.status} mine={m.author === me} />
            {role === "facilitator" && ctx.session ? <CommentModeration id={m.id} status={m.status} session={ctx.session} /> : null}
            {canWrite && (m.author === me || role === "facilitator") ? (
              <button type="button" class="icon small" aria-label={t("deleteComment")} data-testid="comment-delete"
                onClick={() => { if (confirm(t("confirmDeleteComment"))) ctx.session?.submit({ type: "comment.delete", id: m.id }); }}>×</button>
            ) : null}
          </li>
        ))}
      </ul>
      {canWrite ? (
        <form class="comment-form" onSubmit={(e) => { e.preventDefault(); send(); }}
          onFocusIn={() => ctx.onComposing?.(card.id)} onFocusOut={() => ctx.onComposing?.(null)}>
          <LimitedField id={`c-${card.id}`} label={t("addComment")} value={text} max={L.MAX_COMMENT} onInput={setText} testid="comment-input" />
          <button type="submit" class="btn small" disabled={!text.trim() || cpLen(text) > L.MAX_COMMENT}>{t("send")}</button>
        </form>
      ) : null}
    </section>
  );
}
