/** The service worker: the app shell and its assets for offline reloads
 * (rules in ./strategy.ts). Built by Vite into `dist/sw.js`; the build
 * (plugins/serviceworker.ts) replaces `__PRIKBORD_SW_MANIFEST__` with the
 * build's id and hashed asset names. Self-contained: no imports at run time.
 */
import { CACHE_PREFIX, PAGE_TIMEOUT_MS, SHELL_KEY, cacheName, strategyFor } from "./strategy";

interface Manifest { build: string; assets: string[] }
declare const __PRIKBORD_SW_MANIFEST__: Manifest;

// The DOM library has no service worker types; the part used here.
interface SwEvent extends Event { waitUntil(p: Promise<unknown>): void }
interface SwFetchEvent extends SwEvent { readonly request: Request; respondWith(r: Promise<Response>): void }
interface SwScope {
  readonly location: Location;
  addEventListener(type: "install" | "activate", fn: (e: SwEvent) => void): void;
  addEventListener(type: "fetch", fn: (e: SwFetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
}
const sw = self as unknown as SwScope;
const MANIFEST = __PRIKBORD_SW_MANIFEST__;
const CACHE = cacheName(MANIFEST.build);

sw.addEventListener("install", (e) => {
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(MANIFEST.assets);
    const shell = await fetch("/", { cache: "no-cache" });
    if (shell.ok) await cache.put(SHELL_KEY, shell);
    await sw.skipWaiting();
  })());
});

sw.addEventListener("activate", (e) => {
  e.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await sw.clients.claim();
  })());
});

sw.addEventListener("fetch", (e) => {
  const req = e.request;
  const strategy = strategyFor(new URL(req.url), req.method, req.mode, sw.location.origin);
  if (strategy === "asset") e.respondWith(assetFirst(req));
  else if (strategy === "page") e.respondWith(networkFirst(req));
});

async function assetFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && res.status === 200) await cache.put(req, res.clone());
  return res;
}

async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await withTimeout(fetch(req), PAGE_TIMEOUT_MS);
    // Keep the newest shell; a 404 or 503 page is the server's answer, not a shell.
    if (res.ok && res.status === 200 && res.type === "basic") await cache.put(SHELL_KEY, res.clone());
    return res;
  } catch (err) {
    const shell = await cache.match(SHELL_KEY);
    if (shell) return shell;
    throw err;
  }
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); });
  });
