// 待上传: what a cadre saves without signal is kept on the phone (IndexedDB, through idb-keyval) and sent by
// itself when the connection returns — oldest first, retrying with backoff, for the signed-in cadre only.
// The server records a visit once per client id, so a resend is harmless. Settings on <body data-outbox-*>.
(function () {
  "use strict";
  var body = document.body;
  var user = body.dataset.outboxUser;
  if (!user || !window.idbKeyval || !window.indexedDB) return;
  var store = idbKeyval.createStore("outreach-outbox", "entries");
  var mine = user + ":";
  var text = JSON.parse(body.dataset.outboxText || "{}");

  function entries() {
    return idbKeyval.entries(store).then(function (all) {
      return all.filter(function (pair) { return String(pair[0]).indexOf(mine) === 0; })
        .map(function (pair) { return pair[1]; })
        .sort(function (a, b) { return a.savedAt - b.savedAt; });
    });
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function post(url, fields, token, mode) {
    var data = new FormData();
    fields.forEach(function (field) { if (field[0] !== "csrfmiddlewaretoken") data.append(field[0], field[1]); });
    data.append("csrfmiddlewaretoken", token);
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", redirect: "manual", headers: { "X-Outbox": mode } });
  }

  function show() {
    return entries().then(function (list) {
      body.dataset.outboxCount = String(list.length);
      document.querySelectorAll("[data-outbox-badge]").forEach(function (badge) {
        badge.hidden = !list.length;
        badge.querySelector("[data-outbox-count]").textContent = String(list.length);
      });
      var box = document.querySelector("[data-outbox-list]");
      if (box) render(box, list);
    });
  }

  function render(box, list) {
    box.textContent = "";
    document.querySelectorAll("[data-outbox-empty]").forEach(function (empty) { empty.hidden = list.length > 0; });
    list.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "list-group-item";
      item.dataset.outboxEntry = entry.id;
      var when = new Date(entry.savedAt);
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = entry.label + " · " + when.toLocaleString("zh-CN", { hour12: false });
      var state = document.createElement("div");
      state.className = entry.state === "refused" ? "text-danger small" : "text-body-secondary small";
      state.textContent = entry.state === "refused" ? text.refused + entry.reason : text.waiting;
      item.append(title, state);
      if (entry.state === "refused") {
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-sm btn-outline-danger mt-2";
        discard.textContent = text.discard;
        discard.addEventListener("click", function () {
          if (window.confirm(text.confirmDiscard)) idbKeyval.del(mine + entry.id, store).then(show);
        });
        item.append(discard);
      }
      box.append(item);
    });
  }

  // Sending what waits. A refusal (422) keeps the entry with the server's reason and goes on to the next;
  // anything else (no network, a 5xx, a session that ended) stops here and is tried again later.
  var sending = false, wait = 2000;
  function sendAll() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return fetch(body.dataset.outboxSession, { credentials: "same-origin", redirect: "manual" })
      .then(function (answer) {
        if (answer.type === "opaqueredirect" || !answer.ok) throw new Error("signed out: sent after the next login");
        return answer.json();
      })
      .then(function (session) {
        if (String(session.user) !== user) throw new Error("another account: never sent under it");
        return entries().then(function (list) {
          return list.filter(function (entry) { return entry.state === "waiting"; }).reduce(function (previous, entry) {
            return previous.then(function () {
              return post(entry.url, entry.fields, session.token, "sync").then(function (answer) {
                if (answer.status === 201) return idbKeyval.del(mine + entry.id, store);
                if (answer.status === 422) {
                  return answer.json().then(function (refusal) {
                    entry.state = "refused";
                    entry.reason = refusal.errors.join("；");
                    return idbKeyval.set(mine + entry.id, entry, store);
                  });
                }
                throw new Error("answered " + answer.status + ": tried again later");
              });
            });
          }, Promise.resolve());
        });
      })
      .then(function () { wait = 2000; }, function () {
        setTimeout(sendAll, wait);
        wait = Math.min(wait * 2, 5 * 60 * 1000);
      })
      .then(function () { sending = false; return show(); });
  }

  function keep(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (!(value instanceof File && !value.size)) fields.push([name, value]);
    });
    var id = form.querySelector("[name=client_id]").value;
    var chosen = form.querySelector("[name=household] option:checked");
    var entry = { id: id, url: form.getAttribute("action") || location.pathname, fields: fields, savedAt: Date.now(),
                  state: "waiting", reason: "", label: form.dataset.outbox + (chosen && chosen.value ? " · " + chosen.textContent.trim() : "") };
    return idbKeyval.set(mine + id, entry, store);
  }

  function kept(form) {
    form.reset();
    form.querySelector("[name=client_id]").value = newClientId();
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = false; });
    document.querySelectorAll("[data-testid=outbox-kept]").forEach(function (old) { old.remove(); });
    var note = document.createElement("div");
    note.className = "alert alert-success";
    note.setAttribute("role", "status");
    note.dataset.testid = "outbox-kept";
    note.textContent = text.kept;
    form.parentNode.insertBefore(note, form);
    window.scrollTo(0, 0);
    return show();
  }

  // 保存走访: sent at once when the network answers; kept on the phone when it does not.
  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.outboxPlain) return; // the server's page with its error messages, as without the outbox
      event.preventDefault();
      var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
      var fields = [];
      new FormData(form).forEach(function (value, name) { fields.push([name, value]); });
      var sent = navigator.onLine ? post(form.getAttribute("action") || location.pathname, fields, token, "form") : Promise.reject(new Error("offline"));
      sent.then(function (answer) {
        if (answer.status === 201) return answer.json().then(function (done) { location.assign(done.url); });
        if (answer.status === 422) { form.dataset.outboxPlain = "1"; form.submit(); return; }
        throw new Error("answered " + answer.status);
      }).catch(function () { return keep(form).then(function () { return kept(form); }); });
    });
  });

  // Logging out makes the phone forget everything of this site (Clear-Site-Data), the outbox too: ask first.
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var waiting = Number(body.dataset.outboxCount || 0);
      if (waiting && !window.confirm(text.logout.replace("%(count)s", waiting))) event.preventDefault();
    });
  });

  window.addEventListener("online", sendAll);
  show().then(sendAll);
})();
