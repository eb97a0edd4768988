// <prikbord-agenda hub="slug" [server="https://…"] [days="62"] [lang="nl|en"]>
// A hub's public agenda on any site: fetches /api/hubs/<slug>/agenda (public,
// read-only, CORS-open) and renders it in a shadow root, so the host page's
// styles and ours never mix. User text goes in through textContent only.
const STYLE = `
:host { display: block; font: inherit; color: inherit; }
ul { list-style: none; margin: 0; padding: 0; }
li { padding: 0.6em 0; border-top: 1px solid rgba(127,127,127,0.3); }
li:first-child { border-top: none; }
.when { font-variant-numeric: tabular-nums; opacity: 0.75; font-size: 0.9em; }
.type { font-size: 0.8em; border: 1px solid rgba(127,127,127,0.5); border-radius: 999px; padding: 0 0.5em; margin-right: 0.4em; }
.cancelled .title { text-decoration: line-through; }
a { color: inherit; }
`;
const LABELS = {
  nl: { none: "Geen activiteiten gepland.", error: "De agenda kon niet geladen worden.", cancelled: "geannuleerd", subscribe: "Abonneer (iCal)" },
  en: { none: "Nothing planned.", error: "Could not load the agenda.", cancelled: "cancelled", subscribe: "Subscribe (iCal)" },
};
const ORIGIN = new URL(import.meta.url).origin;

class PrikbordAgenda extends HTMLElement {
  static get observedAttributes() { return ["hub", "server", "days", "lang"]; }
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
  }
  connectedCallback() { this.load(); }
  attributeChangedCallback() { if (this.isConnected) this.load(); }

  async load() {
    const hub = this.getAttribute("hub") || "";
    const server = (this.getAttribute("server") || ORIGIN).replace(/\/$/, "");
    const lang = this.getAttribute("lang") === "en" ? "en" : "nl";
    const days = Math.min(Math.max(parseInt(this.getAttribute("days") || "62", 10) || 62, 1), 400);
    const from = new Date();
    const to = new Date(from.getTime() + days * 86400000);
    const url = `${server}/api/hubs/${encodeURIComponent(hub)}/agenda?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    try {
      const res = await fetch(url, { credentials: "omit" });
      if (!res.ok) throw new Error(String(res.status));
      this.render(await res.json(), lang, server, hub);
    } catch {
      this.message(LABELS[lang].error);
    }
  }

  message(text) {
    const p = document.createElement("p");
    p.textContent = text;
    this.shadowRoot.replaceChildren(this.style_(), p);
  }

  style_() {
    const style = document.createElement("style");
    style.textContent = STYLE;
    return style;
  }

  render(data, lang, server, hub) {
    const t = LABELS[lang];
    const fmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "nl-NL", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      timeZone: "Europe/Amsterdam",
    });
    const list = document.createElement("ul");
    for (const a of data.activities || []) {
      const li = document.createElement("li");
      li.className = a.status;
      const when = document.createElement("div");
      when.className = "when";
      when.textContent = fmt.format(new Date(a.start));
      const type = document.createElement("span");
      type.className = "type";
      type.textContent = (a.type_label && a.type_label[lang]) || a.type;
      const link = document.createElement("a");
      link.className = "title";
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title;
      li.append(when, type, link);
      if (a.status === "cancelled") li.append(` (${t.cancelled})`);
      list.append(li);
    }
    const parts = [this.style_()];
    if (list.childElementCount) parts.push(list);
    else {
      const p = document.createElement("p");
      p.textContent = t.none;
      parts.push(p);
    }
    const sub = document.createElement("a");
    sub.href = `${server}/hubs/${encodeURIComponent(hub)}/agenda.ics`;
    sub.textContent = t.subscribe;
    const foot = document.createElement("p");
    foot.append(sub);
    parts.push(foot);
    this.shadowRoot.replaceChildren(...parts);
  }
}

if (!customElements.get("prikbord-agenda")) customElements.define("prikbord-agenda", PrikbordAgenda);
