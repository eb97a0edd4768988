/** Create or edit a hub: every field of server/hubs/model.py's Hub, the
 * partner organisations, students and coordinators as editable lists.
 * Problems show next to their field, found here or by the server. */
import { useState } from "preact/hooks";
import { cpLen } from "../../protocol/ops";
import { t } from "../../i18n";
import { HubApiError, createHub, updateHub, type Hub, type ManagedHub } from "./api";
import { Field, StringList, fieldAria, val } from "./fields";
import { ht } from "./i18n";
import * as V from "./validate";

export const emptyHub = (): Hub => ({
  slug: "", name: "", place: "", description: "", supervisor: "", partners: [], students: [],
  contact: { email: "", phone: "", url: "" }, coordinators: [],
});

/** Exactly the fields the server takes (a managed hub carries more). */
export const hubBody = (h: Hub): Hub => ({
  slug: h.slug, name: h.name.trim(), place: h.place.trim(), description: h.description.trim(), supervisor: h.supervisor.trim(),
  partners: [...h.partners], students: [...h.students],
  contact: { email: h.contact.email.trim(), phone: h.contact.phone.trim(), url: h.contact.url.trim() },
  coordinators: [...h.coordinators],
});

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A server refusal as form problems: its field (lists by their name), or
 * the whole form ("") when it names none the form has. */
export const serverProblems = (err: unknown, fields: readonly string[]): V.Problems => {
  if (err instanceof HubApiError && err.code === "invalid" && err.field) {
    const f = V.fieldOf(err.field);
    const msg = err.message.charAt(0).toUpperCase() + err.message.slice(1);
    if (fields.includes(f)) return { [f]: msg };
    return { "": `${err.field}: ${err.message}` };
  }
  if (err instanceof HubApiError && err.status === 0) return { "": t("requestFailed", { status: "—" }) };
  if (err instanceof HubApiError) return { "": t("serverSays", { msg: err.message }) };
  return { "": t("requestFailed", { status: "—" }) };
};

const HUB_FORM_FIELDS = ["slug", "name", "place", "description", "supervisor", "partners", "students", "contact.email", "contact.phone", "contact.url", "coordinators"];

export function HubForm({ initial, isNew, onSaved, onCancel }: {
  initial: Hub; isNew: boolean; onSaved: (hub: ManagedHub) => void; onCancel?: () => void;
}) {
  const [hub, setHub] = useState<Hub>(initial);
  const [problems, setProblems] = useState<V.Problems>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  // The slug follows the name until the person types one.
  const [slugTouched, setSlugTouched] = useState(false);
  const set = (change: Partial<Hub>, fields: string[] = Object.keys(change)) => {
    setHub((h) => ({ ...h, ...change }));
    setSaved(false);
    setProblems((pr) => V.withoutFields(pr, fields));
  };
  const setContact = (change: Partial<Hub["contact"]>) =>
    set({ contact: { ...hub.contact, ...change } }, Object.keys(change).map((k) => `contact.${k}`));
  const p = (name: string): string | undefined => problems[name];

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = V.hubProblems(hub, isNew);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      focusFirstProblem();
      return;
    }
    setBusy(true);
    try {
      const body = hubBody(hub);
      const { slug, ...change } = body;
      // Who names a hub's managers is the server's rule: send them only when changed.
      if (!isNew && sameList(change.coordinators, initial.coordinators)) delete (change as Partial<Hub>).coordinators;
      const out = isNew ? await createHub(body) : await updateHub(slug, change);
      setSaved(true);
      onSaved(out);
    } catch (err) {
      setProblems(serverProblems(err, HUB_FORM_FIELDS));
      focusFirstProblem();
    } finally {
      setBusy(false);
    }
  };
  const n = Object.keys(problems).length;
  return (
    <form class="hub-form" onSubmit={(e) => void submit(e)} noValidate data-testid="hub-form">
      {n > 0 ? <p class="error wide" role="alert" data-testid="hub-form-error">{problems[""] ?? ht("v_fix")}</p> : null}
      <Field id="hub-name" label={ht("f_name")} problem={p("name")}>
        <input type="text" {...fieldAria("hub-name", p("name"))} value={hub.name} required autoFocus={isNew}
          onInput={(e) => { const name = val(e); set(isNew && !slugTouched ? { name, slug: V.slugFrom(name) } : { name }); }} data-testid="hub-name" />
      </Field>
      {isNew ? (
        <Field id="hub-slug" label={ht("f_slug")} problem={p("slug")} hint={ht("f_slugHint")}>
          <input type="text" {...fieldAria("hub-slug", p("slug"), ht("f_slugHint"))} value={hub.slug} required autoComplete="off"
            pattern="[a-z0-9-]+" maxLength={40} onInput={(e) => { setSlugTouched(true); set({ slug: val(e).toLowerCase() }); }} data-testid="hub-slug" />
        </Field>
      ) : null}
      <Field id="hub-place" label={ht("f_place")} problem={p("place")}>
        <input type="text" {...fieldAria("hub-place", p("place"))} value={hub.place} onInput={(e) => set({ place: val(e) })} data-testid="hub-place" />
      </Field>
      <Field id="hub-supervisor" label={ht("f_supervisor")} problem={p("supervisor")}>
        <input type="text" {...fieldAria("hub-supervisor", p("supervisor"))} value={hub.supervisor} onInput={(e) => set({ supervisor: val(e) })} data-testid="hub-supervisor" />
      </Field>
      <div class="wide">
        <Field id="hub-description" label={ht("f_description")} problem={p("description")} hint={t("chars", { n: cpLen(hub.description), max: V.MAX_DESCRIPTION })}>
          <textarea {...fieldAria("hub-description", p("description"))} rows={4} value={hub.description} onInput={(e) => set({ description: val(e) })} data-testid="hub-description" />
        </Field>
      </div>
      <Field id="hub-email" label={ht("f_email")} problem={p("contact.email")}>
        <input type="email" {...fieldAria("hub-email", p("contact.email"))} value={hub.contact.email} autoComplete="email" onInput={(e) => setContact({ email: val(e) })} data-testid="hub-email" />
      </Field>
      <Field id="hub-phone" label={ht("f_phone")} problem={p("contact.phone")}>
        <input type="tel" {...fieldAria("hub-phone", p("contact.phone"))} value={hub.contact.phone} autoComplete="tel" onInput={(e) => setContact({ phone: val(e) })} data-testid="hub-phone" />
      </Field>
      <Field id="hub-url" label={ht("f_url")} problem={p("contact.url")}>
        <input type="url" {...fieldAria("hub-url", p("contact.url"))} value={hub.contact.url} placeholder="https://" onInput={(e) => setContact({ url: val(e) })} data-testid="hub-url" />
      </Field>
      <div class="wide">
        <StringList id="hub-partners" label={ht("f_partners")} items={hub.partners} max={V.MAX_PERSON} count={V.MAX_PARTNERS} problem={p("partners")} onChange={(partners) => set({ partners })} />
        <StringList id="hub-students" label={ht("f_students")} items={hub.students} max={V.MAX_PERSON} count={V.MAX_STUDENTS} problem={p("students")} onChange={(students) => set({ students })} />
        <StringList id="hub-coordinators" label={ht("f_coordinators")} items={hub.coordinators} max={64} count={V.MAX_COORDINATORS} problem={p("coordinators")} onChange={(coordinators) => set({ coordinators })} />
      </div>
      <div class="row-buttons wide">
        <button type="submit" class="btn primary" disabled={busy} data-testid="hub-save">{isNew ? ht("createHub") : ht("saveHub")}</button>
        {onCancel ? <button type="button" class="btn" onClick={onCancel}>{t("cancel")}</button> : null}
        {saved ? <span class="muted" role="status" data-testid="hub-saved">{ht("hubSaved")}</span> : null}
      </div>
    </form>
  );
}

/** Move the focus to the first field with a problem (after the render that shows it). */
export const focusFirstProblem = (): void => {
  setTimeout(() => {
    const el = document.querySelector<HTMLElement>("form [aria-invalid=true]");
    el?.focus();
  }, 0);
};
