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
    var pages = JSON.parse(body.dataset.offlinePages || "[]");
    if (!pages.length || !navigator.onLine || !registration.active) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "warmed") body.dataset.offlineReady = String(event.data.kept);
    });
    registration.active.postMessage({ type: "warm", urls: pages });
  }).catch(function () { /* no worker (private mode, old browser): the pages work online as before */ });
})();
