/* The cadre app's service worker (campaigns/views/app.py), scope {{ scope }}. Version {{ version }}. */
"use strict";
const STATIC_CACHE = "static-{{ version }}";
const PAGE_CACHE = "pages"; // the signed-in cadre's pages; logging out clears it (Clear-Site-Data)
const SHELL = [{% for url in shell %}"{{ url|escapejs }}", {% endfor %}];
const STATIC_PREFIX = "{{ static_prefix|escapejs }}";
const SCOPE = "{{ scope|escapejs }}";
const OFFLINE_PAGE = "{{ offline_page|escapejs }}";
const HASHED = {{ hashed|yesno:"true,false" }}; // production's static names change with their content
// A cadre page not kept is shown, without signal, by a kept page that builds it from the village bundle
// (static/js/village.js): [path pattern, the page that stands in].
const STAND_INS = [{% for pattern, page in stand_ins %}[new RegExp("{{ pattern|escapejs }}"), "{{ page|escapejs }}"], {% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll([...SHELL, OFFLINE_PAGE])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith("static-") && key !== STATIC_CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

// Kept only when whole and meant for keeping: not a redirect (an expired session's way to the login page),
// not an error, not marked no-store.
function keepable(response) {
  return response.ok && response.type === "basic" && !response.redirected && !/no-store/.test(response.headers.get("Cache-Control") || "");
}

async function fromNetworkKeeping(request, cacheName) {
  const response = await fetch(request);
  if (keepable(response)) {
    const cache = await caches.open(cacheName);
    await cache.put(request, response.clone());
  }
  return response;
}

async function cadrePage(request) {
  try {
    return await fromNetworkKeeping(request, PAGE_CACHE);
  } catch (offline) {
    return (await caches.match(request, { ignoreVary: true })) || (await standIn(new URL(request.url))) ||
      (await caches.match(OFFLINE_PAGE)) || Response.error();
  }
}

async function standIn(url) {
  const found = STAND_INS.find(([pattern]) => pattern.test(url.pathname));
  return found ? caches.match(found[1], { ignoreVary: true }) : undefined;
}

async function staticFile(request) {
  if (HASHED) {
    const kept = await caches.match(request);
    if (kept) return kept; // a hashed name never changes its content: no revalidation
  }
  try {
    return await fromNetworkKeeping(request, STATIC_CACHE);
  } catch (offline) {
    return (await caches.match(request)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(cadrePage(request));
  }
});

// A page asks for the cadre's pages to be kept now, while there is signal ("warm"); it is told when done.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "warm") return;
  const urls = event.data.urls || [];
  event.waitUntil(Promise.all(urls.map((url) => fromNetworkKeeping(new Request(url, { credentials: "same-origin" }), PAGE_CACHE).catch(() => null)))
    .then((responses) => event.source && event.source.postMessage({ type: "warmed", kept: responses.filter((r) => r && keepable(r)).length })));
});
