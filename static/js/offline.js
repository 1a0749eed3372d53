// The cadre pages keep working without signal: register the app's service worker (its URL and the pages to
// keep are on <body data-service-worker data-offline-pages>), and ask it to keep those pages while online.
(function () {
  "use strict";
  var body = document.body;
  var worker = body.dataset.serviceWorker;
  if (!worker || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(worker, { scope: body.dataset.serviceWorkerScope }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var pages = body.dataset.offlinePages || "[]";
    // Once a tab session: the pages are fetched again only after a new login or in a new tab, not on every page.
    if (pages === "[]" || !navigator.onLine || !registration.active || sessionStorage.getItem("offline-kept") === pages) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "warmed") return;
      body.dataset.offlineReady = String(event.data.kept);
      sessionStorage.setItem("offline-kept", pages);
    });
    registration.active.postMessage({ type: "warm", urls: JSON.parse(pages) });
  }).catch(function () { /* no worker (private mode, old browser): the pages work online as before */ });
})();
