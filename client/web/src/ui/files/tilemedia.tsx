/** What a hub screen tile shows of a card's files and link preview: its
 * first photo (or PDF page) filling the tile under the title, else the
 * link preview's image and title; the tile's text gives way to it. Read
 * from across the room, so the picture gets the tile's whole body. */
import { useContext } from "preact/hooks";
import type { Card } from "../../protocol/model";
import { FileAccessContext, pictured } from "./attachments";
import { useBlobUrl } from "./blobs";
import { altText } from "./ops";
import { formatSize } from "./messages";
import { ClipIcon } from "./uploader";
import { cardFiles, cardPreview } from "./types";

/** The picture a tile shows for a card, if any: a file's id and whether the
 * server has a preview image of it. */
export const tilePicture = (card: Card): { id: string; thumb: boolean; alt: string } | null => {
  const f = cardFiles(card).find(pictured);
  if (f) return { id: f.id, thumb: f.thumb, alt: altText(card, f) };
  const p = cardPreview(card);
  // A preview's image is ingested like an upload, thumbnail included.
  return p && p.image ? { id: p.image, thumb: true, alt: p.title || card.title } : null;
};

export function TileMedia({ card }: { card: Card }) {
  const access = useContext(FileAccessContext);
  const pic = tilePicture(card);
  const blob = useBlobUrl(access, pic?.id ?? "", pic?.thumb ? "thumb" : "full", pic !== null);
  const preview = cardPreview(card);
  const files = cardFiles(card);
  const first = files[0];
  return (
    <>
      {!pic && first ? (
        <p class="tile-preview" data-testid="tile-files">
          <ClipIcon /> {first.name} · {formatSize(first.size)}{files.length > 1 ? ` +${files.length - 1}` : ""}
        </p>
      ) : null}
      {pic ? (
        <div class="tile-pic" data-testid="tile-pic" data-loaded={blob.url ? "true" : undefined}>
          {blob.url ? <img src={blob.url} alt={pic.alt} /> : null}
        </div>
      ) : null}
      {preview && preview.title && card.url ? <p class="tile-preview" data-testid="tile-preview">{preview.site ? `${preview.site} · ` : ""}{preview.title}</p> : null}
    </>
  );
}
