/** The top bar's Notes button. Separate from the panel, which is loaded
 * when first opened (CodeMirror is most of its weight). */
import { t } from "../../i18n";

export function NotesButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button type="button" class={`btn ghost${open ? " on" : ""}`} aria-pressed={open} onClick={onToggle} data-testid="notes-open">
      <span aria-hidden="true">✎</span><span class="label-wide"> {t("notes")}</span>
    </button>
  );
}
