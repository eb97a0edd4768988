/** Add or edit an activity, in a modal dialog: type, title, start and end
 * in Amsterdam time, in the hub or online, description, host, places, and
 * its board — none, an existing one, or one made from a template when it
 * starts — and whether that board freezes when it ends. */
import { useEffect, useRef, useState } from "preact/hooks";
import { getLang, t } from "../../i18n";
import { myBoards, type BoardItem } from "../account/api";
import { createActivity, listTemplates, updateActivity, type Activity, type TemplateChoice } from "./api";
import { Field, fieldAria, val } from "./fields";
import { focusFirstProblem, serverProblems } from "./hubform";
import { ht } from "./i18n";
import { fromInput, toInput } from "./time";
import { ACTIVITY_TYPES, templateChoices } from "./types";
import * as V from "./validate";

const HOUR = 3_600_000;
const FIELDS = ["type", "title", "start", "end", "place", "online", "description", "host", "capacity", "board", "template", "freeze"];

/** A new activity's form: starting at the next full hour, for an hour. */
export const newDraft = (now: number): V.ActivityDraft => {
  const start = Math.ceil(now / HOUR) * HOUR;
  return {
    type: "co_creation", title: "", start: toInput(start), end: toInput(start + HOUR), where: "hub", place: "", online: "",
    description: "", host: "", capacity: "", boardChoice: "none", board: "", template: "", freeze: false,
  };
};

export const draftOf = (a: Activity): V.ActivityDraft => ({
  type: a.type, title: a.title, start: toInput(a.start), end: toInput(a.end), where: a.online ? "online" : "hub",
  place: a.place, online: a.online, description: a.description, host: a.host,
  capacity: a.capacity === null ? "" : String(a.capacity),
  boardChoice: a.board ? "existing" : a.template ? "template" : "none", board: a.board ?? "", template: a.template ?? "", freeze: a.freeze,
});

export function ActivityDialog({ slug, editing, onClose }: {
  slug: string; editing: Activity | null; onClose: (changed: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [d, setD] = useState<V.ActivityDraft>(() => (editing ? draftOf(editing) : newDraft(Date.now())));
  const [problems, setProblems] = useState<V.Problems>({});
  const [busy, setBusy] = useState(false);
  const [boards, setBoards] = useState<BoardItem[]>([]);
  useEffect(() => { dialog.current?.showModal(); }, []);
  // The server's templates (saved ones too); the built-ins if it cannot say.
  const [templates, setTemplates] = useState<TemplateChoice[]>(() => templateChoices(getLang()));
  useEffect(() => {
    myBoards(false, true).then(setBoards, () => setBoards([]));
    listTemplates(slug, getLang()).then((list) => { if (list.length > 0) setTemplates(list); }, () => undefined);
  }, [slug]);
  const set = (change: Partial<V.ActivityDraft>) => {
    setD((x) => ({ ...x, ...change }));
    setProblems((pr) => V.withoutFields(pr, Object.keys(change)));
  };
  const p = (name: string): string | undefined => problems[name];
  const types = ACTIVITY_TYPES.map((x) => x.name as string);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = V.activityProblems(d, types);
    setProblems(found);
    if (Object.keys(found).length > 0) { focusFirstProblem(); return; }
    setBusy(true);
    try {
      const body = V.activityBody(d);
      if (editing) await updateActivity(slug, editing.id, body);
      else await createActivity(slug, body);
      onClose(true);
    } catch (err) {
      setProblems(serverProblems(err, FIELDS));
      focusFirstProblem();
      setBusy(false);
    }
  };
  // A start moved past the end drags the end along (same length as before).
  const moveStart = (value: string) => {
    const before = fromInput(d.start);
    const after = fromInput(value);
    const end = fromInput(d.end);
    if (before !== null && after !== null && end !== null && end > before) set({ start: value, end: toInput(after + (end - before)) });
    else set({ start: value });
  };
  const n = Object.keys(problems).length;
  return (
    <dialog ref={dialog} class="editor activity-dialog hubs-page" aria-labelledby="activity-title"
      onCancel={(e) => { e.preventDefault(); onClose(false); }} data-testid="activity-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate class="hub-form">
        <h2 id="activity-title" class="wide">{editing ? ht("editActivity") : ht("newActivity")}</h2>
        {n > 0 ? <p class="error wide" role="alert" data-testid="activity-error">{problems[""] ?? ht("v_fix")}</p> : null}
        <Field id="act-type" label={ht("f_type")} problem={p("type")}>
          <select {...fieldAria("act-type", p("type"))} value={d.type} onChange={(e) => set({ type: val(e) })} data-testid="act-type">
            {ACTIVITY_TYPES.map((x) => <option key={x.name} value={x.name}>{x[getLang()]}</option>)}
          </select>
        </Field>
        <Field id="act-title" label={ht("f_title")} problem={p("title")}>
          <input type="text" {...fieldAria("act-title", p("title"))} value={d.title} required onInput={(e) => set({ title: val(e) })} data-testid="act-title" />
        </Field>
        <Field id="act-start" label={ht("f_start")} problem={p("start")} hint={ht("f_timeHint")}>
          <input type="datetime-local" {...fieldAria("act-start", p("start"), ht("f_timeHint"))} value={d.start} required onInput={(e) => moveStart(val(e))} data-testid="act-start" />
        </Field>
        <Field id="act-end" label={ht("f_end")} problem={p("end")}>
          <input type="datetime-local" {...fieldAria("act-end", p("end"))} value={d.end} required onInput={(e) => set({ end: val(e) })} data-testid="act-end" />
        </Field>
        <fieldset class="wide">
          <legend>{ht("f_where")}</legend>
          <label class="choice"><input type="radio" name="act-where" checked={d.where === "hub"} onChange={() => set({ where: "hub" })} data-testid="act-where-hub" /> {ht("whereHub")}</label>
          <label class="choice"><input type="radio" name="act-where" checked={d.where === "online"} onChange={() => set({ where: "online" })} data-testid="act-where-online" /> {ht("whereOnline")}</label>
          {d.where === "hub" ? (
            <Field id="act-place" label={ht("f_room")} problem={p("place")}>
              <input type="text" {...fieldAria("act-place", p("place"))} value={d.place} onInput={(e) => set({ place: val(e) })} data-testid="act-place" />
            </Field>
          ) : (
            <Field id="act-online" label={ht("f_online")} problem={p("online")}>
              <input type="url" {...fieldAria("act-online", p("online"))} value={d.online} placeholder="https://" onInput={(e) => set({ online: val(e) })} data-testid="act-online" />
            </Field>
          )}
        </fieldset>
        <div class="wide">
          <Field id="act-description" label={ht("f_description")} problem={p("description")}>
            <textarea {...fieldAria("act-description", p("description"))} rows={3} value={d.description} onInput={(e) => set({ description: val(e) })} data-testid="act-description" />
          </Field>
        </div>
        <Field id="act-host" label={ht("f_host")} problem={p("host")}>
          <input type="text" {...fieldAria("act-host", p("host"))} value={d.host} onInput={(e) => set({ host: val(e) })} data-testid="act-host" />
        </Field>
        <Field id="act-capacity" label={ht("f_capacity")} problem={p("capacity")} hint={ht("f_capacityHint")}>
          <input type="number" inputMode="numeric" min={1} max={V.MAX_CAPACITY} {...fieldAria("act-capacity", p("capacity"), ht("f_capacityHint"))} value={d.capacity}
            onInput={(e) => set({ capacity: val(e) })} data-testid="act-capacity" />
        </Field>
        <fieldset class="wide">
          <legend>{ht("f_boardChoice")}</legend>
          <label class="choice"><input type="radio" name="act-board" checked={d.boardChoice === "none"} onChange={() => set({ boardChoice: "none" })} data-testid="act-board-none" /> {ht("boardNone")}</label>
          <label class="choice"><input type="radio" name="act-board" checked={d.boardChoice === "existing"} onChange={() => set({ boardChoice: "existing" })} data-testid="act-board-existing" /> {ht("boardExisting")}</label>
          <label class="choice"><input type="radio" name="act-board" checked={d.boardChoice === "template"} onChange={() => set({ boardChoice: "template" })} data-testid="act-board-template" /> {ht("boardTemplate")}</label>
          {d.boardChoice === "existing" ? (
            <Field id="act-board" label={ht("f_board")} problem={p("board")}>
              <select {...fieldAria("act-board", p("board"))} value={d.board} onChange={(e) => set({ board: val(e) })} data-testid="act-board">
                <option value="">{ht("addBoardNone")}</option>
                {d.board && !boards.some((b) => b.board === d.board) ? <option value={d.board}>{d.board}</option> : null}
                {boards.map((b) => <option key={b.board} value={b.board}>{b.title || t("untitled")}</option>)}
              </select>
            </Field>
          ) : null}
          {d.boardChoice === "template" ? (
            <Field id="act-template" label={ht("f_template")} problem={p("template")}>
              <select {...fieldAria("act-template", p("template"))} value={d.template} onChange={(e) => set({ template: val(e) })} data-testid="act-template">
                <option value="">—</option>
                {d.template && !templates.some((x) => x.id === d.template) ? <option value={d.template}>{d.template}</option> : null}
                {templates.map((x) => <option key={x.id} value={x.id}>{x.label}</option>)}
              </select>
            </Field>
          ) : null}
          {d.boardChoice !== "none" ? (
            <label class="choice"><input type="checkbox" checked={d.freeze} onChange={(e) => set({ freeze: e.currentTarget.checked })} data-testid="act-freeze" /> {ht("f_freeze")}</label>
          ) : null}
        </fieldset>
        <div class="row-buttons wide">
          <button type="submit" class="btn primary" disabled={busy} data-testid="act-save">{ht("saveActivity")}</button>
          <button type="button" class="btn" onClick={() => onClose(false)} data-testid="act-cancel-edit">{t("cancel")}</button>
        </div>
      </form>
    </dialog>
  );
}
