/** Register the service worker (./worker.ts) of a production build.
 *
 * Service workers need a secure context: HTTPS, or localhost. A hub server
 * reached over plain HTTP on the LAN runs without one (everything else
 * works, a reload without network shows the browser's error page).
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === "undefined" || !("serviceWorker" in navigator) || !isSecureContext) return;
  const go = () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      /* no worker: the app works online as before */
    });
  };
  if (document.readyState === "complete") go();
  else window.addEventListener("load", go, { once: true });
}
