/** Entry: one index.html for every route; pick the page by location.pathname. */
import { render } from "preact";
import { getLang, t, useLang } from "./i18n";
import { BoardPage } from "./ui/board";
import { Landing } from "./ui/landing";
import { HubScreen } from "./ui/screen";
import { LoginPage } from "./ui/account/login";
import { MyBoardsPage } from "./ui/account/myboards";
import { SetupPage } from "./ui/account/setup";
import { LibraryPage } from "./ui/library/page";
import { HubScreenPage } from "./ui/hubs/screen";
import { HubPage, HubsPage } from "./ui/hubs/pages";
import { MarketPage } from "./ui/market/wall";
import { registerServiceWorker } from "./sw/register";
import "./styles.css";

const ID = "[A-Za-z0-9_-]{1,40}";

const ACCOUNT_PAGES = { "/login": "login", "/setup": "setup", "/my": "my", "/library": "library" } as const;
type AccountPage = (typeof ACCOUNT_PAGES)[keyof typeof ACCOUNT_PAGES];

export function route(path: string): { page: "landing" | AccountPage | "hubs" } | { page: "board" | "screen"; board: string } | { page: "hubscreen" | "hub"; slug: string } | { page: "market"; slug: string | null } | { page: "notfound" } {
  if (path === "/" || path === "/index.html") return { page: "landing" };
  const account = ACCOUNT_PAGES[path.replace(/\/$/, "") as keyof typeof ACCOUNT_PAGES];
  if (account) return { page: account };
  const m = new RegExp(`^/(b|screen)/(${ID})/?$`).exec(path);
  if (m?.[2]) return { page: m[1] === "b" ? "board" : "screen", board: m[2] };
  // Hubs (issue 14): the hub's big-screen link, the coordinator's pages.
  const hub = /^\/(?:hub\/([a-z0-9-]{2,40})\/screen|my\/hubs(?:\/([a-z0-9-]{2,40}))?)\/?$/.exec(path);
  if (hub) return hub[1] ? { page: "hubscreen", slug: hub[1] } : hub[2] ? { page: "hub", slug: hub[2] } : { page: "hubs" };
  // Vraag en aanbod (issue 14): a hub's wall, or every hub's.
  const market = /^\/(?:hubs\/([a-z0-9-]{2,40})\/)?market\/?$/.exec(path);
  if (market) return { page: "market", slug: market[1] ?? null };
  return { page: "notfound" };
}

function App() {
  useLang();
  const r = route(location.pathname);
  switch (r.page) {
    case "landing": return <Landing />;
    case "login": return <LoginPage />;
    case "setup": return <SetupPage />;
    case "my": return <MyBoardsPage />;
    case "library": return <LibraryPage />;
    case "board": return <BoardPage board={r.board} />;
    case "screen": return <HubScreen board={r.board} />;
    case "hubscreen": return <HubScreenPage slug={r.slug} />;
    case "hubs": return <HubsPage />;
    case "hub": return <HubPage slug={r.slug} />;
    case "market": return <MarketPage slug={r.slug} />;
    default:
      return <main class="narrow"><p class="panel">{t("notFound")} <a href="/">{t("home")}</a></p></main>;
  }
}

document.documentElement.lang = getLang();
const root = document.getElementById("app");
if (root) render(<App />, root);
registerServiceWorker();
