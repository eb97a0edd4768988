/** The hub's pending visit requests (from the public form): who, how many,
 * when they wish to come; accept (it becomes a confirmed agenda item at
 * the first wished time) or decline. */
import { useEffect, useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import { HubApiError, answerRequest, listRequests, type Activity } from "./api";
import { ht } from "./i18n";
import { formatDay, formatSpan, formatTime } from "./time";

export function RequestsPanel({ slug, onChanged, onCount }: { slug: string; onChanged: () => void; onCount: (n: number) => void }) {
  const [items, setItems] = useState<Activity[] | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState("");
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    listRequests(slug).then((list) => { if (live) { setItems(list.sort((a, b) => a.start - b.start)); onCount(list.length); } }, (err) => { if (live) setError(text(err)); });
    return () => { live = false; };
  }, [slug, version]);
  // The wished time each request is accepted at (the first, unless chosen).
  const [at, setAt] = useState<Record<string, number>>({});
  const answer = async (a: Activity, accept: boolean) => {
    setBusy(a.id);
    setError("");
    try {
      const start = at[a.id];
      const when = accept && start !== undefined && start !== a.start
        ? { start: new Date(start).toISOString(), end: new Date(start + (a.end - a.start)).toISOString() }
        : undefined;
      await answerRequest(slug, a.id, accept, when);
      setVersion((v) => v + 1);
      onChanged();
    } catch (err) {
      setError(text(err));
    } finally {
      setBusy("");
    }
  };
  const lang = getLang();
  return (
    <section class="panel" aria-labelledby="requests-title" data-testid="requests">
      <h2 id="requests-title">{ht("requests")}</h2>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {items === null && !error ? <p>{t("loading")}</p> : null}
      {items && items.length === 0 ? <p class="muted" data-testid="no-requests">{ht("noRequests")}</p> : null}
      {items && items.length > 0 ? (
        <ul class="request-list">
          {items.map((a) => {
            const r = a.request;
            return (
              <li key={a.id} data-testid="request-item" data-id={a.id}>
                <p><strong>{r ? ht("requestFrom", { group: r.group, size: r.size }) : a.title}</strong></p>
                <p>{formatDay(a.start, lang)} {formatSpan(a.start, a.end, lang)}</p>
                {r && r.wishes.length > 1 ? (
                  <div class="field">
                    <label for={`wish-${a.id}`}>{ht("acceptAt")}</label>
                    <select id={`wish-${a.id}`} value={String(at[a.id] ?? a.start)} data-testid="request-wish"
                      onChange={(e) => { const v = Number(e.currentTarget.value); setAt((m) => ({ ...m, [a.id]: v })); }}>
                      {r.wishes.map((w) => <option key={w} value={String(w)}>{`${formatDay(w, lang, true)} ${formatTime(w)}`}</option>)}
                    </select>
                  </div>
                ) : null}
                {r ? <p class="muted small">{ht("contactLine", { contact: r.contact })}</p> : null}
                {r?.message ? <p class="request-message">{r.message}</p> : null}
                <div class="row-buttons">
                  <button type="button" class="btn small primary" disabled={busy !== ""} onClick={() => void answer(a, true)} data-testid="request-accept">{ht("accept")}</button>
                  <button type="button" class="btn small danger" disabled={busy !== ""} onClick={() => void answer(a, false)} data-testid="request-decline">{ht("decline")}</button>
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

const text = (err: unknown): string =>
  err instanceof HubApiError && err.status > 0 ? t("serverSays", { msg: err.message }) : t("requestFailed", { status: "—" });
