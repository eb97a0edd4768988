/** Who is here (from presence), with "remove"; who was removed, with
 * "restore". Removing closes their connections (4105) and refuses every op
 * of theirs on this board. */
import { t, type MsgKey } from "../../i18n";
import type { BoardState } from "../../protocol/model";
import type { Session } from "../../sync/session";

/** Present people, one line per actor (several tabs are one person). */
const present = (session: Session, removed: Set<string>) => {
  const out = new Map<string, { actor: string; name: string; role: string; conns: number }>();
  for (const m of session.members) {
    if (removed.has(m.actor)) continue; // presence may linger a moment after the close
    const cur = out.get(m.actor);
    if (cur) cur.conns++;
    else out.set(m.actor, { actor: m.actor, name: m.name, role: m.role, conns: 1 });
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
};

export function People({ session, state, known }: { session: Session; state: BoardState; known: Map<string, string> }) {
  const me = session.replica.actor;
  const people = present(session, state.removed);
  const removed = [...state.removed].sort();
  return (
    <div class="fac-section">
      <h3>{t("presentN", { n: people.length })}</h3>
      <ul class="people" data-testid="people">
        {people.map((p) => (
          <li key={p.actor} data-testid="person" data-actor={p.actor}>
            <span class="person-name">{p.name}{p.actor === me ? ` (${t("you")})` : ""}</span>
            <span class="role">{t(`role_${p.role}` as MsgKey)}{p.conns > 1 ? ` · ${t("tabsN", { n: p.conns })}` : ""}</span>
            {p.role === "participant" && p.actor !== me ? (
              <button type="button" class="btn small danger" data-testid="remove"
                onClick={() => { if (confirm(t("confirmRemove", { name: p.name }))) session.submit({ type: "participant.remove", actor: p.actor }); }}>
                {t("remove")}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <h3>{t("removedTitle")}</h3>
      {removed.length === 0 ? <p class="muted">{t("removedNone")}</p> : null}
      <ul class="people" data-testid="removed">
        {removed.map((actor) => (
          <li key={actor} data-testid="removed-person" data-actor={actor}>
            <span class="person-name">{known.get(actor) ?? t("unknownPerson")}</span>
            <button type="button" class="btn small" data-testid="restore-person" onClick={() => session.submit({ type: "participant.restore", actor })}>{t("restorePerson")}</button>
          </li>
        ))}
      </ul>
      <p class="hint">{t("removeHint")}</p>
    </div>
  );
}
