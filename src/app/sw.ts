// The service worker (built as sw.js next to index.html): after the first visit the notebook
// works offline. Install caches everything the page needs (the list and its version are written
// in at build time by scripts/sw-plugin.ts); activate removes every older build's cache. Pages
// are fetched network first, so an online visit gets the newest build (and its new sw.js);
// everything else comes from the cache first. Requests to other origins are not touched.
const sw = self as unknown as ServiceWorkerGlobalScope;
const MANIFEST = '__SW_MANIFEST__' as unknown as { version: string; files: string[] };
const PREFIX = 'notebook-';
const CACHE = `${PREFIX}${MANIFEST.version}`;
const scoped = (f: string) => new URL(f, sw.registration.scope).href;

sw.addEventListener('install', (e) => {
  // All or nothing: addAll fails if any file fails, and this version is then not installed.
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(MANIFEST.files.map(scoped)))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

/** Resolves once this worker is 'activated': its activate handler (old caches removed) has finished. */
function activated(): Promise<void> {
  const me = sw.serviceWorker;
  return new Promise((resolve) => {
    if (!me || me.state === 'activated') return resolve();
    me.addEventListener('statechange', () => me.state === 'activated' && resolve());
  });
}

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== sw.location.origin) return;
  if (req.mode === 'navigate') {
    // The notebook itself: the server's newest, else the cached one (any query string: ?section=…).
    // Other pages (fixtures/check.html) are not cached and need the network.
    const path = new URL(req.url).pathname;
    const index = new URL(sw.registration.scope).pathname;
    if (path !== index && path !== `${index}index.html`) return;
    e.respondWith(fetch(req).catch(async () => (await caches.match(scoped('index.html'), { cacheName: CACHE })) ?? Response.error()));
    return;
  }
  e.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
});

// The page asks which build this worker caches (shown under the notebook). Pages switch to a new
// worker when it starts activating, before the old caches are gone: the answer waits for that.
sw.addEventListener('message', (e) => {
  if (e.data === 'version') e.waitUntil(activated().then(() => e.ports[0]?.postMessage({ version: MANIFEST.version, files: MANIFEST.files.length })));
});
