/** "Copy a card to another board": choose a card of this board, paste a
 * link of the other board (participant or facilitator); the server checks
 * both links and appends the copy, with its files (POST
 * /api/library/copy-card). */
import { useEffect, useState } from "preact/hooks";
import { boardCards, copyCard, parseBoardLink } from "./api";
import { lt } from "./strings";

export function CopyCardForm({ board, token, onDone }: { board: string; token: string; onDone: (note: string) => void }) {
  const [cards, setCards] = useState<{ id: string; title: string }[]>([]);
  const [card, setCard] = useState("");
  const [link, setLink] = useState("");
  const fail = (e: unknown) => onDone(lt("failed", { msg: e instanceof Error ? e.message : String(e) }));
  useEffect(() => {
    boardCards(board, token).then((list) => { setCards(list); setCard(list[0]?.id ?? ""); }, fail);
  }, [board, token]);
  const submit = (e: Event) => {
    e.preventDefault();
    const target = parseBoardLink(link);
    if (!target) { onDone(lt("notALink")); return; }
    copyCard({ board, token }, card, target).then((r) => onDone(r.held ? lt("copiedHeld") : lt("copied")), fail);
  };
  return (
    <form class="copy-card" onSubmit={submit} data-testid="copy-card-form">
      <label>{lt("cardToCopy")} <select value={card} onChange={(e) => setCard(e.currentTarget.value)} data-testid="copy-card-select">
        {cards.map((c) => <option key={c.id} value={c.id}>{c.title}</option>)}
      </select></label>
      <label>{lt("targetLink")} <input type="url" value={link} onInput={(e) => setLink(e.currentTarget.value)} data-testid="copy-card-target" /></label>
      <button type="submit" class="btn" disabled={!card || !link.trim()} data-testid="copy-card-submit">{lt("copyCard")}</button>
    </form>
  );
}
