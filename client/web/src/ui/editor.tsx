/** The card editor: a dialog, so the board behind it can change freely while
 * the user types (nothing moves under their cursor). */
import { useEffect, useRef, useState } from "preact/hooks";
import { t, type MsgKey } from "../i18n";
import * as L from "../protocol/limits";
import type { BoardState, Card } from "../protocol/model";
import { COLORS, KINDS, cpLen, isSafeUrl, pyStrip, type CardKind, type Color } from "../protocol/ops";
import type { Session } from "../sync/session";
import { LimitedField } from "./common";
import { newId } from "./hooks";
import { liveSections, posAppend, posBetween, columns } from "./order";
import { MarketFieldsView, marketBlocker, marketOp, useMarketFields } from "./market/editorfields";
import { isMarketKind } from "./market/fields";
import { EditorFiles, useEditorFiles } from "./files/editorfiles";
import { ft } from "./files/strings";
import { cardFiles, sameFiles } from "./files/types";

export interface EditorTarget {
  card: Card | null; // null = new card
  section?: string;
  x?: number;
  y?: number;
}

/** The column a new card goes to unless the user picks another: the one they
 * tapped "add" in, else the first column (never "No column" by surprise). */
export const defaultSection = (state: BoardState, target: EditorTarget): string => {
  if (target.card) return target.card.section;
  const sections = liveSections(state);
  if (target.section !== undefined && (target.section === "" || sections.some((s) => s.id === target.section))) return target.section;
  return sections[0]?.id ?? "";
};

/** Why Save cannot be used (a field over its limit), or "" when it can. */
export const saveBlocker = (fields: { label: string; value: string; max: number }[]): string => {
  const over = fields.find((f) => cpLen(f.value) > f.max);
  return over ? t("saveBlocked", { field: over.label, n: cpLen(over.value), max: over.max }) : "";
};

export function CardEditor({ session, state, target, onClose, onAdded }: {
  session: Session; state: BoardState; target: EditorTarget; onClose: () => void; onAdded?: (id: string) => void;
}) {
  const c = target.card;
  const [kind, setKind] = useState<CardKind>((c?.kind as CardKind) ?? "note");
  const [title, setTitle] = useState(c?.title ?? "");
  const [body, setBody] = useState(c?.body ?? "");
  const [url, setUrl] = useState(c?.url ?? "");
  const [color, setColor] = useState<Color>((c?.color as Color) ?? "yellow");
  const [section, setSection] = useState(() => defaultSection(state, target));
  const [error, setError] = useState("");
  const market = useMarketFields(c);
  const files = useEditorFiles(c ? cardFiles(c) : []);
  const dialog = useRef<HTMLDialogElement>(null);
  const sections = liveSections(state);
  const blocked = saveBlocker([
    { label: t("title"), value: title, max: L.MAX_CARD_TITLE },
    { label: t("body"), value: body, max: L.MAX_CARD_BODY },
    { label: t("url"), value: url.trim(), max: L.MAX_URL },
  ]);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    session.focus(c?.id ?? null);
    return () => session.focus(null);
  }, []);

  const save = (e: Event) => {
    e.preventDefault();
    const u = url.trim();
    if (blocked) return;
    const marketBlocked = marketBlocker(market, kind);
    if (marketBlocked) return setError(marketBlocked);
    if (u && !isSafeUrl(u)) return setError(t("badUrl"));
    if (kind === "link" && !u) return setError(t("needUrl"));
    if (files.uploads.busy > 0) return setError(ft("waitForUploads"));
    if (!pyStrip(title) && !pyStrip(body) && !u && files.files.length === 0) return setError(t("needContent"));
    if (c) {
      const op: Record<string, unknown> = { type: "card.set", id: c.id };
      if (kind !== c.kind) op.kind = kind;
      if (title !== c.title) op.title = title;
      if (body !== c.body) op.body = body;
      if (color !== c.color) op.color = color;
      if (u !== c.url) op.url = u;
      if (!sameFiles(files.files, cardFiles(c))) op.files = [...files.files];
      Object.assign(op, marketOp(market, kind, c));
      if (Object.keys(op).length > 2) session.submit(op as never);
      if (section !== c.section) moveTo(session, state, c, section);
    } else {
      const col = columns(state, "manual").get(section) ?? [];
      const last = col[col.length - 1];
      const id = newId();
      session.submit({
        type: "card.add", id, kind, title, body, color, ...(u ? { url: u } : {}), ...(files.files.length ? { files: [...files.files] } : {}),
        ...marketOp(market, kind, null),
        ...(section ? { section } : {}), pos: posAppend(last?.pos),
        x: Math.round(target.x ?? 40), y: Math.round(target.y ?? 40),
      });
      onAdded?.(id);
    }
    onClose();
  };

  return (
    <dialog ref={dialog} class="editor" aria-labelledby="editor-title" onCancel={(e) => { e.preventDefault(); onClose(); }} {...files.handlers}>
      <form onSubmit={save} method="dialog">
        <h2 id="editor-title">{c ? t("editCard") : t("newCard")}</h2>
        <fieldset class="kinds">
          <legend>{t("kind")}</legend>
          {KINDS.map((k) => (
            <label key={k} class={`chip${kind === k ? " on" : ""}`}>
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {t(`kind_${k}` as MsgKey)}
            </label>
          ))}
        </fieldset>
        <LimitedField id="card-title" label={t("title")} value={title} max={L.MAX_CARD_TITLE} onInput={setTitle} autoFocus testid="card-title-input" />
        <LimitedField id="card-body" label={t("body")} value={body} max={L.MAX_CARD_BODY} onInput={setBody} multiline testid="card-body-input" />
        <LimitedField id="card-url" label={t("url")} value={url} max={L.MAX_URL} onInput={setUrl} type="url" placeholder="https://" testid="card-url-input" />
        {isMarketKind(kind) ? <MarketFieldsView ed={market} editing={c !== null} /> : null}
        <EditorFiles ed={files} />
        <fieldset class="colors">
          <legend>{t("color")}</legend>
          {COLORS.map((k) => (
            <label key={k} class={`swatch color-${k}${color === k ? " on" : ""}`} title={t(`color_${k}` as MsgKey)}>
              <input type="radio" name="color" value={k} checked={color === k} onChange={() => setColor(k)} aria-label={t(`color_${k}` as MsgKey)} />
            </label>
          ))}
        </fieldset>
        {sections.length > 0 ? (
          <div class="field">
            <label for="card-section">{t("section")}</label>
            <select id="card-section" value={section} onChange={(e) => setSection(e.currentTarget.value)}>
              <option value="">{t("noSection")}</option>
              {sections.map((s) => <option key={s.id} value={s.id}>{s.title || "—"}</option>)}
            </select>
          </div>
        ) : null}
        {error ? <p class="error" role="alert">{error}</p> : null}
        {blocked ? <p class="error" id="card-save-blocked" data-testid="card-save-blocked">{blocked}</p> : null}
        <div class="actions">
          <button type="button" class="btn ghost" onClick={onClose}>{t("cancel")}</button>
          <button type="submit" class="btn primary" data-testid="card-save" disabled={blocked !== ""}
            aria-describedby={blocked ? "card-save-blocked" : undefined}>{t("save")}</button>
        </div>
      </form>
    </dialog>
  );
}

/** Move a card to the end of a column. */
export const moveTo = (session: Session, state: BoardState, card: Card, section: string): void => {
  const col = (columns(state, "manual").get(section) ?? []).filter((x) => x.id !== card.id);
  const last = col[col.length - 1];
  session.submit({ type: "card.move", id: card.id, section, pos: posBetween(last?.pos ?? null, null) });
};
