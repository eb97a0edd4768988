/** The spotlight on a participant's device: the board zooms to the card or
 * column the facilitator put in the spotlight; "step out" goes back to the
 * board (the target stays highlighted there), "follow again" returns. A new
 * spotlight is followed again by itself. */
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { liveCard, type BoardState } from "../../protocol/model";
import type { Session } from "../../sync/session";
import { CardView, type CardCtx } from "../card";
import { StarIcon } from "../icons";
import { columns } from "../order";
import { cardLabel } from "./results";
import { TimerBadge } from "./timer";

export interface SpotTarget { kind: "card" | "section"; id: string; key: string; title: string }

/** What is in the spotlight and may be shown here, or null. */
export const spotTarget = (s: BoardState): SpotTarget | null => {
  const { spotlight_kind: kind, spotlight_id: id } = s.session;
  if (kind === "card") {
    const c = liveCard(s, id);
    return c ? { kind, id, key: `card:${id}`, title: cardLabel(c) } : null;
  }
  if (kind === "section") {
    const sec = s.sections.get(id);
    return sec && !sec.deleted ? { kind, id, key: `section:${id}`, title: sec.title || "—" } : null;
  }
  return null;
};

const scrollToTarget = (target: SpotTarget): void => {
  const sel = target.kind === "card" ? `[data-card="${CSS.escape(target.id)}"]` : `[data-column="${CSS.escape(target.id)}"]`;
  const el = document.querySelector<HTMLElement>(sel);
  const smooth = !window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  el?.scrollIntoView({ block: "center", inline: "center", behavior: smooth ? "smooth" : "auto" });
};

/** `following` and `setFollowing` live in the page, so the notice line and
 * the overlay agree. */
export const useFollow = (target: SpotTarget | null): [boolean, (on: boolean) => void] => {
  const [outOf, setOutOf] = useState<string | null>(null);
  const following = target !== null && outOf !== target.key;
  const set = (on: boolean) => {
    if (!target) return;
    setOutOf(on ? null : target.key);
    if (!on) requestAnimationFrame(() => scrollToTarget(target));
  };
  return [following, set];
};

export function SpotlightLayer({ target, state, ctx, session, onStepOut }: {
  target: SpotTarget; state: BoardState; ctx: CardCtx; session: Session; onStepOut: () => void;
}) {
  const fac = session.replica.role === "facilitator";
  useEffect(() => {
    const key = (e: KeyboardEvent) => { if (e.key === "Escape") onStepOut(); };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [onStepOut]);
  const card = target.kind === "card" ? liveCard(state, target.id) : undefined;
  const cards = target.kind === "section" ? columns(state, "manual").get(target.id) ?? [] : [];
  return (
    <div class="spotlight-layer" data-testid="spotlight" data-kind={target.kind} data-target={target.id}>
      <section class="spotlight-box" role="region" aria-label={t("spotlightOn", { title: target.title })}>
        <header class="spotlight-head">
          <span class="spotlight-tag"><StarIcon /> {t("spotlight")}</span>
          {target.kind === "section" ? <h2 class="spotlight-title">{target.title}</h2> : null}
          <span class="spacer" />
          <TimerBadge session={state.session} clock={session.clock} />
          {fac ? <button type="button" class="btn small" data-testid="spotlight-end" onClick={() => session.submit({ type: "spotlight.set" })}>{t("spotlightEnd")}</button> : null}
          <button type="button" class="btn small primary" data-testid="step-out" onClick={onStepOut}>{t("stepOut")}</button>
        </header>
        <div class={`spotlight-body ${target.kind}`}>
          {card ? <CardView card={card} ctx={{ ...ctx, big: true }} /> : null}
          {target.kind === "section" ? (
            cards.length ? <div class="grid">{cards.map((c) => <CardView key={c.id} card={c} ctx={ctx} />)}</div> : <p class="empty">{t("emptyColumn")}</p>
          ) : null}
        </div>
      </section>
    </div>
  );
}

/** The line that says a spotlight is on while the user stepped out. */
export function SpotlightPill({ target, onFollow }: { target: SpotTarget; onFollow: () => void }) {
  return (
    <p class="notice spot" role="status" data-testid="spotlight-pill">
      <StarIcon /> {t("spotlightOn", { title: target.title })}
      <button type="button" class="btn small primary" data-testid="follow" onClick={onFollow}>{t("followAgain")}</button>
    </p>
  );
}
