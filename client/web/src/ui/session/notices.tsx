/** What a participant must know about the session, said once at the top of
 * the board: locked, approval, hide until reveal, vote rounds. Facilitators
 * get the same lines with the button that changes them. */
import { t } from "../../i18n";
import type { BoardState, Role } from "../../protocol/model";
import type { Session } from "../../sync/session";
import { BallotIcon, EyeOffIcon, FlagIcon, HourglassIcon, LockIcon } from "../icons";
import { roundState } from "./results";

export function SessionNotices({ state, role, session, onResults }: {
  state: BoardState; role: Role; session: Session; onResults: () => void;
}) {
  const s = state.settings;
  const fac = role === "facilitator";
  const round = roundState(state);
  const lines = [];
  if (s.locked) {
    lines.push(
      <p key="lock" class="notice lock" role="status" data-testid="notice-locked">
        <LockIcon /> {fac ? t("lockedFac") : t("lockedParticipant")}
        {fac ? <button type="button" class="btn small" onClick={() => session.submit({ type: "board.set", locked: false })}>{t("unlock")}</button> : null}
      </p>,
    );
  }
  if (s.hide_cards) {
    lines.push(
      <p key="hide" class="notice hide" role="status" data-testid="notice-hidden">
        <EyeOffIcon /> {fac ? t("hiddenFac") : t("hiddenParticipant")}
        {fac ? <button type="button" class="btn small primary" data-testid="reveal" onClick={() => session.submit({ type: "board.set", hide_cards: false })}>{t("reveal")}</button> : null}
      </p>,
    );
  }
  if (s.approval && !fac && role !== "viewer") {
    lines.push(<p key="approval" class="notice approval" role="status" data-testid="notice-approval"><HourglassIcon /> {t("approvalParticipant")}</p>);
  }
  if (round === "open") {
    lines.push(
      <p key="round" class="notice round" role="status" data-testid="notice-round" data-round="open">
        <BallotIcon /> {t("roundOpenNotice", { n: state.session.round })} {fac ? t("roundOpenFac") : t("roundPrivate")}
      </p>,
    );
  } else if (round === "closed") {
    lines.push(
      <p key="round" class="notice round closed" role="status" data-testid="notice-round" data-round="closed">
        <FlagIcon /> {t("roundClosedNotice", { n: state.session.round })}
        <button type="button" class="btn small" data-testid="show-results" onClick={onResults}>{t("showResults")}</button>
      </p>,
    );
  }
  return lines.length ? <div class="notices">{lines}</div> : null;
}
