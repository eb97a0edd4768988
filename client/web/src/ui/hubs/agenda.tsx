/** A hub's agenda for its coordinator: a week at a time (Monday first, every
 * day shown) or a list of what comes from today on, grouped by day in
 * Amsterdam time; add, edit and cancel activities. */
import { useEffect, useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import { PlusIcon } from "../icons";
import { ActivityDialog } from "./activityform";
import { HubApiError, listActivities, listTemplates, updateActivity, type Activity } from "./api";
import { ht } from "./i18n";
import { addDays, dayKey, formatDay, formatSpan, groupByDay, startOfDay, startOfWeek, weekDays, type DayGroup } from "./time";
import { templateLabel, typeLabel } from "./types";

/** The list view reaches this far ahead: a season, as the public agenda. */
const LIST_DAYS = 92;

type View = "week" | "list";

export function AgendaPanel({ slug, version, onChanged }: { slug: string; version: number; onChanged: () => void }) {
  const [view, setView] = useState<View>("week");
  const [monday, setMonday] = useState(() => startOfWeek(Date.now()));
  const [items, setItems] = useState<Activity[] | null>(null);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<Activity | "new" | null>(null);
  const [busy, setBusy] = useState(false);
  // Saved templates' names by id: an activity names its template by id,
  // and only the built-ins' names are known without asking.
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    let live = true;
    listTemplates(slug, getLang()).then((list) => { if (live) setNames(new Map(list.map((x) => [x.id, x.label]))); }, () => undefined);
    return () => { live = false; };
  }, [slug, version]);

  useEffect(() => {
    let live = true;
    setError("");
    const from = view === "week" ? monday : startOfDay(Date.now());
    const to = addDays(from, view === "week" ? 7 : LIST_DAYS);
    listActivities(slug, from, to).then(
      (list) => { if (live) setItems(list.filter((a) => a.status !== "declined")); },
      (err) => { if (live) setError(err instanceof HubApiError && err.status > 0 ? t("serverSays", { msg: err.message }) : t("requestFailed", { status: "—" })); },
    );
    return () => { live = false; };
  }, [slug, view, monday, version]);

  const cancel = async (a: Activity) => {
    if (!confirm(ht("confirmCancelActivity", { title: a.title }))) return;
    setBusy(true);
    try {
      await updateActivity(slug, a.id, { status: "cancelled" });
      onChanged();
    } catch (err) {
      setError(err instanceof HubApiError ? t("serverSays", { msg: err.message }) : t("requestFailed", { status: "—" }));
    } finally {
      setBusy(false);
    }
  };

  const lang = getLang();
  const groups: DayGroup<Activity>[] = items === null ? [] : view === "week" ? weekDays(monday, items) : groupByDay(items);
  const today = dayKey(Date.now());
  return (
    <section class="panel" aria-labelledby="agenda-title" data-testid="agenda">
      <div class="agenda-head">
        <h2 id="agenda-title">{ht("agenda")}</h2>
        <button type="button" class="btn primary" onClick={() => setEditing("new")} data-testid="new-activity"><PlusIcon /> {ht("newActivity")}</button>
      </div>
      <div class="agenda-head">
        <div class="segmented" role="group" aria-label={ht("agenda")}>
          <button type="button" class={view === "week" ? "on" : ""} aria-pressed={view === "week"} onClick={() => setView("week")} data-testid="view-week">{ht("weekView")}</button>
          <button type="button" class={view === "list" ? "on" : ""} aria-pressed={view === "list"} onClick={() => setView("list")} data-testid="view-list">{ht("listView")}</button>
        </div>
        {view === "week" ? (
          <div class="agenda-nav">
            <button type="button" class="btn small" onClick={() => setMonday(addDays(monday, -7))} aria-label={ht("prevWeek")} data-testid="week-prev">‹</button>
            <strong data-testid="week-label">{ht("weekOf", { date: formatDay(monday, lang, true) })}</strong>
            <button type="button" class="btn small" onClick={() => setMonday(addDays(monday, 7))} aria-label={ht("nextWeek")} data-testid="week-next">›</button>
            <button type="button" class="btn small ghost" onClick={() => setMonday(startOfWeek(Date.now()))}>{ht("thisWeek")}</button>
          </div>
        ) : null}
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {items === null && !error ? <p>{t("loading")}</p> : null}
      {items !== null && view === "list" && items.length === 0 ? <p class="muted" data-testid="agenda-empty">{ht("noUpcoming")}</p> : null}
      <ol class="agenda-days">
        {groups.map((g) => (
          <li key={g.day} class={`agenda-day${g.day === today ? " today" : ""}`} data-day={g.day}>
            <h3>{formatDay(g.start, lang)}</h3>
            {g.items.length === 0 ? <p class="muted small">{ht("nothingPlanned")}</p> : (
              <ul class="agenda-items">
                {g.items.map((a) => <AgendaItem key={a.id} a={a} names={names} busy={busy} onEdit={() => setEditing(a)} onCancel={() => void cancel(a)} />)}
              </ul>
            )}
          </li>
        ))}
      </ol>
      {editing ? (
        <ActivityDialog slug={slug} editing={editing === "new" ? null : editing}
          onClose={(changed) => { setEditing(null); if (changed) onChanged(); }} />
      ) : null}
    </section>
  );
}

function AgendaItem({ a, names, busy, onEdit, onCancel }: {
  a: Activity; names: ReadonlyMap<string, string>; busy: boolean; onEdit: () => void; onCancel: () => void;
}) {
  const lang = getLang();
  const facts = [
    typeLabel(a.type),
    a.online ? ht("online") : a.place,
    a.host ? ht("hostedBy", { name: a.host }) : "",
    a.capacity !== null ? ht("places", { n: a.capacity }) : "",
    a.board ? ht("linkedBoard") : a.template ? ht("templateBoard", { name: names.get(a.template) ?? templateLabel(a.template) }) : "",
  ].filter(Boolean);
  return (
    <li class={`agenda-item is-${a.status}`} data-testid="agenda-item" data-id={a.id} data-status={a.status}>
      <span class="when">{formatSpan(a.start, a.end, lang)}</span>
      <span class="what">
        <strong data-testid="agenda-item-title">{a.title}</strong>
        <span class="muted small">{facts.join(" · ")}</span>
        {a.status !== "confirmed" ? <span><span class={`tag ${a.status}`}>{ht(a.status === "pending" ? "status_pending" : "status_cancelled")}</span></span> : null}
      </span>
      <span class="actions">
        {a.status !== "cancelled" ? (
          <>
            <button type="button" class="btn small" onClick={onEdit} disabled={busy} data-testid="activity-edit" aria-label={`${ht("editActivity")}: ${a.title}`}>{ht("edit")}</button>
            <button type="button" class="btn small danger" onClick={onCancel} disabled={busy} data-testid="activity-cancel" aria-label={`${ht("cancelActivity")}: ${a.title}`}>{ht("cancelShort")}</button>
          </>
        ) : null}
      </span>
    </li>
  );
}
