/** The results of a closed vote round, in a dialog over the board. */
import { useEffect, useRef } from "preact/hooks";
import { t } from "../../i18n";
import type { BoardState } from "../../protocol/model";
import { RoundResults } from "./results";

export function ResultsDialog({ state, onClose }: { state: BoardState; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => { const d = dialog.current; if (d && !d.open) d.showModal(); }, []);
  return (
    <dialog ref={dialog} class="editor results-dialog" aria-labelledby="results-title" onCancel={(e) => { e.preventDefault(); onClose(); }} data-testid="results-dialog">
      <h2 id="results-title">{t("resultsTitle", { n: state.session.round })}</h2>
      <RoundResults state={state} />
      <div class="actions"><button type="button" class="btn primary" onClick={onClose}>{t("close")}</button></div>
    </dialog>
  );
}
