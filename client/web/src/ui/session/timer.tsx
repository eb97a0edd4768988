/** The board's countdown, on server time: every device shows the same
 * seconds whatever its own clock says (sync/clock.ts). */
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import type { BoardSession } from "../../protocol/model";
import { formatLeft, timerLeft, type ServerClock } from "../../sync/clock";
import { ClockIcon } from "../icons";

/** Re-render four times a second while the timer runs. */
const useTick = (running: boolean): void => {
  const [, setN] = useState(0);
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setN((n) => n + 1), 250);
    return () => clearInterval(id);
  }, [running]);
};

export function TimerBadge({ session, clock, big }: { session: BoardSession; clock: ServerClock; big?: boolean }) {
  const ticking = session.timer_ends_at > 0;
  useTick(ticking);
  const tl = timerLeft(session, clock.now());
  if (!tl.set) return null;
  const done = !tl.paused && tl.left === 0;
  const low = tl.running && tl.left <= 30_000;
  const label = done ? t("timerDone") : tl.paused ? t("timerPaused", { time: formatLeft(tl.left) }) : t("timerLeft", { time: formatLeft(tl.left) });
  return (
    <div class={`timer${big ? " big" : ""}${done ? " done" : ""}${low ? " low" : ""}${tl.paused ? " paused" : ""}`}
      role="timer" aria-label={label} data-testid="timer" data-left={Math.ceil(tl.left / 1000)} data-state={done ? "done" : tl.paused ? "paused" : "running"}>
      <ClockIcon />
      <span class="timer-time" aria-hidden="true">{done ? t("timerDoneShort") : formatLeft(tl.left)}</span>
      {tl.paused ? <span class="timer-note" aria-hidden="true">{t("paused")}</span> : null}
    </div>
  );
}
