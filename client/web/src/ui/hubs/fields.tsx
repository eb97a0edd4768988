/** Form pieces of the hub pages: a labelled field whose problem shows under
 * it (and is what a screen reader hears with it), and an editable list of
 * names (partners, students, coordinators). */
import type { ComponentChildren, TargetedEvent } from "preact";
import { useState } from "preact/hooks";
import { ht } from "./i18n";
import { listEntry } from "./validate";

/** The id of a field's error line, for `aria-describedby`. */
export const errId = (id: string): string => `${id}-error`;

/** Attributes that tie an input to its label, hint and problem. */
export const fieldAria = (id: string, problem: string | undefined, hint?: string) => ({
  id,
  "aria-invalid": problem ? ("true" as const) : undefined,
  "aria-describedby": [problem ? errId(id) : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined,
});

export function Field({ id, label, problem, hint, children }: {
  id: string; label: string; problem?: string | undefined; hint?: string; children: ComponentChildren;
}) {
  return (
    <div class={`field${problem ? " has-error" : ""}`} data-field={id}>
      <label for={id}>{label}</label>
      {children}
      {hint ? <span class="hint" id={`${id}-hint`}>{hint}</span> : null}
      {problem ? <p class="field-error" id={errId(id)} data-testid={`error-${id}`}>{problem}</p> : null}
    </div>
  );
}

type Input = TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>;
/** The typed value of an input event. */
export const val = (e: Input): string => e.currentTarget.value;

/** A list of short texts: each shown with a remove button, a box to add one
 * (Enter adds; it does not submit the form). */
export function StringList({ id, label, items, max, count, problem, onChange }: {
  id: string; label: string; items: readonly string[]; max: number; count: number;
  problem?: string | undefined; onChange: (items: string[]) => void;
}) {
  const [draft, setDraft] = useState("");
  const [local, setLocal] = useState("");
  const add = () => {
    const r = listEntry(items, draft, max);
    if ("problem" in r) { setLocal(r.problem); return; }
    if (items.length >= count) { setLocal(ht("v_tooLong", { max: count, n: items.length + 1 })); return; }
    onChange([...items, r.value]);
    setDraft("");
    setLocal("");
  };
  const shown = local || problem;
  return (
    <fieldset class="string-list" data-testid={`list-${id}`} aria-describedby={shown ? errId(id) : undefined}>
      <legend>{label}</legend>
      {items.length === 0 ? <p class="muted small">{ht("listEmpty")}</p> : (
        <ul>
          {items.map((item, i) => (
            <li key={`${i}:${item}`}>
              <span>{item}</span>
              <button type="button" class="icon small" aria-label={ht("removeItem", { item })} onClick={() => onChange(items.filter((_, j) => j !== i))}>✕</button>
            </li>
          ))}
        </ul>
      )}
      <div class="add">
        <input type="text" id={id} aria-label={`${label}: ${ht("addItem")}`} value={draft} aria-invalid={shown ? "true" : undefined}
          data-testid={`add-${id}`}
          onInput={(e) => { setDraft(val(e)); setLocal(""); }}
          onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); add(); } }} />
        <button type="button" class="btn small" onClick={add} data-testid={`add-${id}-button`}>{ht("addItem")}</button>
      </div>
      {shown ? <p class="field-error" id={errId(id)} data-testid={`error-${id}`}>{shown}</p> : null}
    </fieldset>
  );
}
