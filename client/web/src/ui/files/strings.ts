/** The files surface's own messages, English and Dutch, in the language the
 * app shows (i18n `getLang`). Kept beside the surface rather than in the
 * shared catalogues so the folder stands on its own; the type keeps the two
 * languages in step exactly as `i18n/nl.ts` does. */
import { getLang } from "../../i18n";

const en = {
  attachPhoto: "Take a photo",
  attachFile: "Add a photo or file",
  attachHint: "Photos, PDF, Office documents, plain text and audio. Or drop them on the board or paste them.",
  dropHint: "Drop to add",
  uploads: "Uploads",
  uploading: "Uploading {name}: {pct}%",
  queued: "Waiting: {name}",
  cancelUpload: "Cancel upload of {name}",
  dismiss: "Dismiss",
  waitForUploads: "Wait until the uploads are done (or cancel them) before saving.",
  files: "Photos and files",
  fileLabel: "{name}, {size}",
  openFile: "Open {name}",
  remove: "Remove",
  removeFile: "Remove {name}",
  confirmRemoveFile: "Remove “{name}” from this card?",
  confirmRemoveLast: "“{name}” is all this card holds: remove the card?",
  download: "Download",
  close: "Close",
  prevFile: "Previous file",
  nextFile: "Next file",
  nOfM: "{n} of {m}",
  play: "Play {name}",
  loadFailed: "Could not load this file.",
  loading: "Loading…",
  kind_image: "Photo",
  kind_pdf: "PDF",
  kind_audio: "Audio",
  kind_file: "File",
  err_too_large: "“{name}” ({size}) is too big for this board.",
  err_unsupported_type: "“{name}”: this type of file is not allowed here. Photos, PDF, Office documents, plain text and audio are.",
  err_invalid: "“{name}” could not be read: it is damaged, incomplete, or not what its name says.",
  err_forbidden: "You cannot add files here (a read-only link, or the board is locked).",
  err_unauthorized: "Your link to this board is no longer valid.",
  err_not_found: "This board no longer exists.",
  err_rate_limited: "Too many uploads at once: wait a moment and try again.",
  err_too_many: "“{name}” was not added: a card holds at most {max} files.",
  err_network: "“{name}”: the upload broke off. Check the connection and try again.",
  err_server: "“{name}”: the server could not take the file ({detail}).",
  err_empty: "“{name}” is empty.",
  sizeB: "{n} B",
  sizeKB: "{n} KB",
  sizeMB: "{n} MB",
  sizeGB: "{n} GB",
} as const;

export type FileMsgKey = keyof typeof en;
type Catalog = { readonly [K in FileMsgKey]: string };

const nl: Catalog = {
  attachPhoto: "Maak een foto",
  attachFile: "Foto of bestand toevoegen",
  attachHint: "Foto's, pdf, Office-documenten, platte tekst en audio. Of sleep ze op het bord of plak ze.",
  dropHint: "Loslaten om toe te voegen",
  uploads: "Uploads",
  uploading: "{name} uploaden: {pct}%",
  queued: "Wacht: {name}",
  cancelUpload: "Upload van {name} annuleren",
  dismiss: "Sluiten",
  waitForUploads: "Wacht tot de uploads klaar zijn (of annuleer ze) voor je opslaat.",
  files: "Foto's en bestanden",
  fileLabel: "{name}, {size}",
  openFile: "{name} openen",
  remove: "Verwijderen",
  removeFile: "{name} verwijderen",
  confirmRemoveFile: "“{name}” van deze kaart verwijderen?",
  confirmRemoveLast: "“{name}” is het enige op deze kaart: de kaart verwijderen?",
  download: "Downloaden",
  close: "Sluiten",
  prevFile: "Vorig bestand",
  nextFile: "Volgend bestand",
  nOfM: "{n} van {m}",
  play: "{name} afspelen",
  loadFailed: "Dit bestand kon niet worden geladen.",
  loading: "Laden…",
  kind_image: "Foto",
  kind_pdf: "Pdf",
  kind_audio: "Audio",
  kind_file: "Bestand",
  err_too_large: "“{name}” ({size}) is te groot voor dit bord.",
  err_unsupported_type: "“{name}”: dit soort bestand mag hier niet. Foto's, pdf, Office-documenten, platte tekst en audio wel.",
  err_invalid: "“{name}” kon niet worden gelezen: het is beschadigd, onvolledig of niet wat de naam zegt.",
  err_forbidden: "Je kunt hier geen bestanden toevoegen (een link om alleen te kijken, of het bord is op slot).",
  err_unauthorized: "Je link naar dit bord is niet meer geldig.",
  err_not_found: "Dit bord bestaat niet meer.",
  err_rate_limited: "Te veel uploads tegelijk: wacht even en probeer het opnieuw.",
  err_too_many: "“{name}” is niet toegevoegd: een kaart heeft hoogstens {max} bestanden.",
  err_network: "“{name}”: de upload brak af. Controleer de verbinding en probeer het opnieuw.",
  err_server: "“{name}”: de server kon het bestand niet aannemen ({detail}).",
  err_empty: "“{name}” is leeg.",
  sizeB: "{n} B",
  sizeKB: "{n} kB",
  sizeMB: "{n} MB",
  sizeGB: "{n} GB",
};

const CATALOGS: Record<"en" | "nl", Catalog> = { en, nl };

/** Translate a files message, filling {placeholders} with plain text. */
export const ft = (key: FileMsgKey, params: Record<string, string | number> = {}): string =>
  CATALOGS[getLang()][key].replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? `{${p}}`));

/** Both catalogues, for the test that keeps them in step. */
export const FILE_CATALOGS = CATALOGS;
