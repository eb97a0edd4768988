/** The library's words in Dutch and English (the app's language choice). */
import { getLang } from "../../i18n";

const en = {
  library: "Library",
  export: "Export",
  exportJson: "JSON (to import again)",
  exportCsv: "CSV (spreadsheet)",
  exportMd: "Markdown",
  exportPrint: "Print / PDF",
  duplicate: "Duplicate",
  remix: "Duplicate without votes and comments",
  saveTemplate: "Save as template",
  templateName: "Template name",
  saved: "Saved.",
  failed: "That did not work: {msg}",
  importTitle: "Import a board",
  importHint: "A JSON export of a Prikbord board becomes a new board, yours.",
  importButton: "Import",
  imported: "Board “{title}” is ready:",
  openBoard: "Open it",
  templatesTitle: "Start from a template",
  newTitle: "Title of the new board",
  useTemplate: "Create",
  searchTitle: "Search your boards",
  searchButton: "Search",
  noHits: "Nothing found.",
  loginForMore: "Log in to search your boards and keep your own templates.",
};
const nl: typeof en = {
  library: "Bibliotheek",
  export: "Exporteren",
  exportJson: "JSON (om weer te importeren)",
  exportCsv: "CSV (spreadsheet)",
  exportMd: "Markdown",
  exportPrint: "Afdrukken / PDF",
  duplicate: "Dupliceren",
  remix: "Dupliceren zonder stemmen en reacties",
  saveTemplate: "Opslaan als sjabloon",
  templateName: "Naam van het sjabloon",
  saved: "Opgeslagen.",
  failed: "Dat lukte niet: {msg}",
  importTitle: "Een bord importeren",
  importHint: "Een JSON-export van een Prikbord-bord wordt een nieuw bord, van jou.",
  importButton: "Importeren",
  imported: "Bord “{title}” staat klaar:",
  openBoard: "Openen",
  templatesTitle: "Begin met een sjabloon",
  newTitle: "Titel van het nieuwe bord",
  useTemplate: "Maken",
  searchTitle: "Zoek in je borden",
  searchButton: "Zoeken",
  noHits: "Niets gevonden.",
  loginForMore: "Log in om in je borden te zoeken en eigen sjablonen te bewaren.",
};
export type LibKey = keyof typeof en;

export const lt = (key: LibKey, params: Record<string, string> = {}): string =>
  (getLang() === "nl" ? nl : en)[key].replace(/\{(\w+)\}/g, (_, p: string) => params[p] ?? `{${p}}`);
