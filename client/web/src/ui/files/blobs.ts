/** Files and thumbnails as `blob:` URLs. The file routes want the link
 * token in an Authorization header (never in a URL that could leak through
 * history or a Referer), which an `<img src>` cannot send; so each is
 * fetched once with the header and shown from a blob: URL.
 *
 * One entry per board, file and variant, shared by every element that
 * shows it and counted: the URL is revoked (its memory freed) a grace
 * period after the last user lets go, so a card that re-renders, a hub
 * screen page that comes round again or a viewer opened twice reuse it. */
import { useEffect, useRef, useState } from "preact/hooks";
import { fileHeaders, fileUrl, type FileAccess } from "./upload";

/** How long an unused blob: URL is kept before it is revoked: longer than a
 * hub screen's page (12 s) so paging back and forth does not refetch, short
 * enough that a long session does not hold every photo it ever showed. */
export const BLOB_GRACE_MS = 30_000;

interface Entry {
  promise: Promise<string>;
  url: string | null;
  refs: number;
  timer: ReturnType<typeof setTimeout> | null;
}

const cache = new Map<string, Entry>();

const keyOf = (board: string, id: string, variant: "full" | "thumb"): string => `${board}\u0000${id}\u0000${variant}`;

/** Waits before each retry of a fetch that failed. The server serves a file
 * only once a card it may show refers to it, and the author's own new card
 * shows at once (optimistically), a moment before the server has appended
 * it: the first fetch can meet a 404 that is gone half a second later. The
 * same covers a blip of the network. About 7.5 s in all, then a chip. */
export const BLOB_RETRY_MS = [500, 1000, 2000, 4000] as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const load = async (access: FileAccess, id: string, variant: "full" | "thumb"): Promise<string> => {
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    try {
      const res = await fetch(fileUrl(access.board, id, variant), {
        headers: fileHeaders(access),
        credentials: "same-origin",
      });
      if (res.ok) return URL.createObjectURL(await res.blob());
      status = res.status;
    } catch {
      /* the network: retried like a 404 */
    }
    // 401/403/410: the link itself is refused; asking again will not help.
    const final = status === 401 || status === 403 || status === 410;
    const wait = BLOB_RETRY_MS[attempt];
    if (final || wait === undefined) throw new Error(`HTTP ${status}`);
    await sleep(wait);
  }
};

/** Take a reference to a file's blob: URL (fetched on first use). Call the
 * returned `release` exactly once when done with it. */
export const acquire = (access: FileAccess, id: string, variant: "full" | "thumb"): { promise: Promise<string>; release: () => void } => {
  const key = keyOf(access.board, id, variant);
  let entry = cache.get(key);
  if (!entry) {
    const e: Entry = { promise: Promise.resolve(""), url: null, refs: 0, timer: null };
    e.promise = load(access, id, variant).then(
      (url) => { e.url = url; return url; },
      (err: unknown) => { if (cache.get(key) === e) cache.delete(key); throw err; },
    );
    cache.set(key, e);
    entry = e;
  }
  const e = entry;
  e.refs++;
  if (e.timer) { clearTimeout(e.timer); e.timer = null; }
  let released = false;
  return {
    promise: e.promise,
    release: () => {
      if (released) return;
      released = true;
      e.refs--;
      if (e.refs > 0) return;
      e.timer = setTimeout(() => {
        if (e.refs > 0 || cache.get(key) !== e) return;
        cache.delete(key);
        void e.promise.then((url) => URL.revokeObjectURL(url), () => undefined);
      }, BLOB_GRACE_MS);
    },
  };
};

/** Blob URLs alive now (for tests and the curious). */
export const cachedCount = (): number => cache.size;

export type BlobState = { url: string; failed: false } | { url: null; failed: boolean };

/** A file's blob: URL while the component shows it; `enabled` false defers
 * the fetch (a card off-screen). */
export const useBlobUrl = (access: FileAccess | null, id: string, variant: "full" | "thumb", enabled = true): BlobState => {
  const [state, setState] = useState<BlobState>({ url: null, failed: false });
  const board = access?.board ?? "";
  useEffect(() => {
    if (!access || !enabled || !id) return;
    const { promise, release } = acquire(access, id, variant);
    let live = true;
    promise.then(
      (url) => { if (live) setState({ url, failed: false }); },
      () => { if (live) setState({ url: null, failed: true }); },
    );
    return () => { live = false; release(); };
  }, [board, id, variant, enabled]);
  return state;
};

/** True once the element has come near the viewport (then stays true): a
 * card far down a long board fetches its thumbnail only when scrolled to. */
export const useNear = <T extends Element>(margin = "400px"): [(el: T | null) => void, boolean] => {
  const [near, setNear] = useState(typeof IntersectionObserver === "undefined");
  const observer = useRef<IntersectionObserver | null>(null);
  const ref = useRef((el: T | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((x) => x.isIntersecting)) { setNear(true); io.disconnect(); }
    }, { rootMargin: margin });
    io.observe(el);
    observer.current = io;
  });
  useEffect(() => () => observer.current?.disconnect(), []);
  return [ref.current, near];
};
