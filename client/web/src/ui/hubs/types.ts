/** The kinds of agenda activities (issue 14), by their stable machine names
 * (server/hubs/model.py), with the words people read. */
import { getLang } from "../../i18n";

export const ACTIVITY_TYPES = [
  { name: "co_creation", en: "Co-creation session", nl: "Co-creatiesessie" },
  { name: "training", en: "Training", nl: "Training" },
  { name: "brainstorm", en: "Brainstorm", nl: "Brainstorm" },
  { name: "assignment_talk", en: "Assignment talk", nl: "Opdrachtgesprek" },
  { name: "walk_in", en: "Walk-in", nl: "Open inloop" },
  { name: "meeting", en: "Meeting", nl: "Bijeenkomst" },
  { name: "workgroup", en: "Workgroup", nl: "Werkgroep" },
  { name: "visit", en: "Visit or tour", nl: "Bezoek of rondleiding" },
] as const;

/** An activity type's label in the current language (the machine name when unknown). */
export const typeLabel = (name: string): string => {
  const t = ACTIVITY_TYPES.find((x) => x.name === name);
  return t ? t[getLang()] : name;
};

/** The built-in board templates (server/library/templates.py), by id
 * `<name>:<lang>`: the board is made in the language the coordinator
 * reads now. Saved templates are not listed here yet. */
const TEMPLATES = [
  { name: "brainstorm", en: "Brainstorm", nl: "Brainstorm" },
  { name: "cocreation", en: "Co-creation session", nl: "Co-creatiesessie" },
  { name: "vraag-aanbod", en: "Questions and offers", nl: "Vraag en aanbod" },
  { name: "retrospective", en: "Retrospective", nl: "Terugblik" },
  { name: "showcase", en: "Project showcase", nl: "Projectpresentatie" },
] as const;

export const templateChoices = (lang: "en" | "nl"): { id: string; label: string }[] =>
  TEMPLATES.map((x) => ({ id: `${x.name}:${lang}`, label: x[lang] }));

/** A template id's label (the id itself when unknown: a saved template). */
export const templateLabel = (id: string): string => {
  const [name] = id.split(":");
  const x = TEMPLATES.find((y) => y.name === name);
  return x ? x[getLang()] : id;
};
