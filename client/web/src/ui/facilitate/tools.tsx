/** Session tools: lock, anonymous mode, hide until reveal, the countdown,
 * the spotlight and vote rounds. */
import { useState } from "preact/hooks";
import { t, type MsgKey } from "../../i18n";
import * as L from "../../protocol/limits";
import type { BoardState } from "../../protocol/model";
import { ANONYMOUS, type AnonymousMode } from "../../protocol/ops";
import type { Session } from "../../sync/session";
import { timerLeft } from "../../sync/clock";
import { liveSections } from "../order";
import { RoundResults, roundState } from "../session/results";
import { spotTarget } from "../session/spotlight";
import { TimerBadge } from "../session/timer";
import { StarIcon } from "../icons";
import { Toggle } from "./panel";

/** Minutes typed by a facilitator → whole seconds within the timer's cap. */
export const timerSeconds = (minutes: string): number | null => {
  const m = Number(minutes.replace(",", "."));
  if (!Number.isFinite(m) || m <= 0) return null;
  const s = Math.round(m * 60);
  return s >= 1 && s <= L.MAX_TIMER_SECONDS ? s : null;
};

export function SessionTools({ session, state }: { session: Session; state: BoardState }) {
  const s = state.settings;
  const submit = session.submit.bind(session);
  return (
    <div class="fac-section">
      <Toggle label={t("lockBoard")} hint={t("lockHint")} on={s.locked} testid="lock" onChange={(v) => submit({ type: "board.set", locked: v })} />
      <div class="toggle-row">
        <Toggle label={t("hideCards")} hint={t("hideCardsHint")} on={s.hide_cards} testid="hide-cards" onChange={(v) => submit({ type: "board.set", hide_cards: v })} />
        {s.hide_cards ? <button type="button" class="btn small primary" data-testid="reveal-panel" onClick={() => submit({ type: "board.set", hide_cards: false })}>{t("reveal")}</button> : null}
      </div>
      <div class="field">
        <label for="anonymous">{t("anonymousMode")}</label>
        <select id="anonymous" value={s.anonymous} data-testid="anonymous" onChange={(e) => submit({ type: "board.set", anonymous: e.currentTarget.value as AnonymousMode })}>
          {ANONYMOUS.map((a) => <option key={a} value={a}>{t(`anonymous_${a}` as MsgKey)}</option>)}
        </select>
      </div>
      <TimerTools session={session} state={state} />
      <SpotlightTools session={session} state={state} />
      <RoundTools session={session} state={state} />
    </div>
  );
}

function TimerTools({ session, state }: { session: Session; state: BoardState }) {
  const [minutes, setMinutes] = useState("5");
  const tl = timerLeft(state.session, session.clock.now());
  const seconds = timerSeconds(minutes);
  const timer = (action: "pause" | "resume" | "reset") => session.submit({ type: "timer.set", action });
  return (
    <section class="tool" aria-labelledby="h-timer">
      <h3 id="h-timer">{t("timer")}</h3>
      <TimerBadge session={state.session} clock={session.clock} />
      <form class="inline-form" onSubmit={(e) => { e.preventDefault(); if (seconds) session.submit({ type: "timer.set", action: "start", seconds }); }}>
        <div class="field">
          <label for="timer-minutes">{t("minutes")}</label>
          <input id="timer-minutes" type="number" min={0.1} max={L.MAX_TIMER_SECONDS / 60} step="any" inputMode="decimal" value={minutes}
            onInput={(e) => setMinutes(e.currentTarget.value)} data-testid="timer-minutes" />
        </div>
        <button type="submit" class="btn small primary" disabled={!seconds} data-testid="timer-start">{tl.set ? t("timerRestart") : t("timerStart")}</button>
      </form>
      <div class="tool-actions">
        {tl.running ? <button type="button" class="btn small" data-testid="timer-pause" onClick={() => timer("pause")}>{t("pause")}</button> : null}
        {tl.paused ? <button type="button" class="btn small" data-testid="timer-resume" onClick={() => timer("resume")}>{t("resume")}</button> : null}
        {tl.set ? <button type="button" class="btn small" data-testid="timer-reset" onClick={() => timer("reset")}>{t("reset")}</button> : null}
      </div>
    </section>
  );
}

function SpotlightTools({ session, state }: { session: Session; state: BoardState }) {
  const sections = liveSections(state);
  const [section, setSection] = useState("");
  const target = spotTarget(state);
  const chosen = sections.some((x) => x.id === section) ? section : sections[0]?.id ?? "";
  return (
    <section class="tool" aria-labelledby="h-spot">
      <h3 id="h-spot">{t("spotlight")}</h3>
      {target ? (
        <p class="tool-state" data-testid="spotlight-state">
          <StarIcon /> {t("spotlightOn", { title: target.title })}
          <button type="button" class="btn small" data-testid="spotlight-end-panel" onClick={() => session.submit({ type: "spotlight.set" })}>{t("spotlightEnd")}</button>
        </p>
      ) : <p class="hint">{t("spotlightHint")}</p>}
      {sections.length > 0 ? (
        <form class="inline-form" onSubmit={(e) => { e.preventDefault(); if (chosen) session.submit({ type: "spotlight.set", section: chosen }); }}>
          <div class="field">
            <label for="spot-section">{t("spotlightColumn")}</label>
            <select id="spot-section" value={chosen} onChange={(e) => setSection(e.currentTarget.value)} data-testid="spotlight-section">
              {sections.map((x) => <option key={x.id} value={x.id}>{x.title || "—"}</option>)}
            </select>
          </div>
          <button type="submit" class="btn small" data-testid="spotlight-column">{t("spotlightIt")}</button>
        </form>
      ) : null}
    </section>
  );
}

function RoundTools({ session, state }: { session: Session; state: BoardState }) {
  const [reset, setReset] = useState(false);
  const round = roundState(state);
  const n = state.session.round;
  return (
    <section class="tool" aria-labelledby="h-rounds">
      <h3 id="h-rounds">{t("voteRounds")}</h3>
      <p class="tool-state" data-testid="round-state" data-round={round}>
        {round === "none" ? t("roundNone") : round === "open" ? t("roundOpenFacState", { n }) : t("roundClosedState", { n })}
      </p>
      {round === "open" ? (
        <button type="button" class="btn small primary" data-testid="round-close" onClick={() => session.submit({ type: "round.close" })}>{t("roundClose", { n })}</button>
      ) : (
        <div class="inline-form">
          <label class="check"><input type="checkbox" checked={reset} onChange={(e) => setReset(e.currentTarget.checked)} data-testid="round-reset" /> {t("roundResetVotes")}</label>
          <button type="button" class="btn small primary" data-testid="round-open" onClick={() => { session.submit({ type: "round.open", reset }); setReset(false); }}>{t("roundOpen", { n: n + 1 })}</button>
        </div>
      )}
      {round !== "none" ? (
        <>
          <h4>{round === "open" ? t("resultsSoFar") : t("resultsOf", { n })}</h4>
          <RoundResults state={state} limit={10} />
        </>
      ) : null}
    </section>
  );
}
