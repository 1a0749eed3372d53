// 待上传: what a cadre saves without signal (check-ins, visits with their photos, household edits, pairings:
// every form[data-outbox]) is kept on the phone (IndexedDB, through idb-keyval) and sent by itself when the
// connection returns — oldest first, retrying with backoff, for the signed-in cadre only. The server saves each
// entry once (its client id, or the day for a check-in), so a resend is harmless. Settings on <body data-outbox-*>.
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

  // Photos are made smaller on the phone before they are sent or kept: longest side 1600 px, JPEG, about
  // 300 KB (browser-image-compression, loaded the first time a photo is saved). A photo it cannot read goes as it is.
  var compressor = null;
  function smaller(file) {
    if (!(file instanceof File) || !file.size || !/^image\//.test(file.type)) return Promise.resolve(file);
    compressor = compressor || new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = body.dataset.outboxCompressor;
      script.onload = function () { resolve(window.imageCompression); };
      script.onerror = reject;
      document.head.append(script);
    });
    return compressor.then(function (compress) {
      return compress(file, { maxWidthOrHeight: 1600, maxSizeMB: 0.3, fileType: "image/jpeg", initialQuality: 0.85, useWebWorker: false });
    }).then(function (blob) {
      return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg", lastModified: file.lastModified });
    }, function () { return file; });
  }

  // The form's fields as they are sent: the phone's time of entry set once (a corrected entry keeps its
  // first), photos made smaller, no empty file.
  function collect(form) {
    var stamp = form.querySelector("[name=phone_recorded_at]");
    if (stamp && !stamp.value) stamp.value = new Date().toISOString();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (!(value instanceof File && !value.size)) fields.push([name, value]);
    });
    return Promise.all(fields.map(function (field) {
      return smaller(field[1]).then(function (value) { return [field[0], value]; });
    }));
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

  function button(label, className, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm mt-2 me-2 " + className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function render(box, list) {
    box.textContent = "";
    document.querySelectorAll("[data-outbox-empty]").forEach(function (empty) { empty.hidden = list.length > 0; });
    list.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "list-group-item";
      item.dataset.outboxEntry = entry.id;
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = entry.label + " · " + new Date(entry.savedAt).toLocaleString("zh-CN", { hour12: false });
      var state = document.createElement("div");
      state.className = entry.state === "refused" ? "text-danger small" : "text-body-secondary small";
      state.textContent = entry.state === "refused" ? text.refused + entry.reason : text.waiting;
      item.append(title, state);
      if (entry.state === "refused") {
        item.append(button(text.correct, "btn-outline-secondary", function () {
          location.assign(entry.url + (entry.url.indexOf("?") < 0 ? "?" : "&") + "outbox=" + encodeURIComponent(entry.id));
        }), button(text.discard, "btn-outline-danger", function () {
          if (window.confirm(text.confirmDiscard)) idbKeyval.del(mine + entry.id, store).then(show);
        }));
      }
      box.append(item);
    });
  }

  // Sending what waits. A refusal (422, or a page that is gone or forbidden now) keeps the entry with the
  // reason and goes on to the next; anything else (no network, a 5xx, a session that ended) stops here and
  // is tried again later.
  var sending = false, wait = 2000;
  function sendAll() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return fetch(body.dataset.outboxSession, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
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
                if (answer.status === 422 || answer.status === 403 || answer.status === 404) {
                  var reasons = answer.status === 422 ? answer.json().then(function (refusal) { return refusal.errors.join("；"); })
                    : Promise.resolve(answer.status === 404 ? text.gone : text.forbidden);
                  return reasons.then(function (reason) {
                    entry.state = "refused";
                    entry.reason = reason;
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

  function idOf(form) {
    var input = form.querySelector("[name=client_id]");
    return form.dataset.outboxCorrecting || (input && input.value) || newClientId();
  }

  // Kept as typed, but never a full ID number or phone (data-outbox-never): those wait for signal.
  function keep(form, fields) {
    var never = (form.dataset.outboxNever || "").split(" ");
    var dropped = fields.some(function (field) { return never.indexOf(field[0]) >= 0 && field[1]; });
    var chosen = form.querySelector("[name=household] option:checked");
    var id = idOf(form);
    var entry = {
      id: id, url: form.getAttribute("action") || location.pathname, savedAt: Date.now(), state: "waiting", reason: "",
      fields: fields.filter(function (field) { return never.indexOf(field[0]) < 0; }),
      label: form.dataset.outbox + (chosen && chosen.value ? " · " + chosen.textContent.trim() : ""),
      household: chosen && chosen.value ? chosen.textContent.trim() : "",
    };
    return idbKeyval.set(mine + id, entry, store).then(function () { return dropped; });
  }

  function kept(form, dropped) {
    delete form.dataset.outboxCorrecting;
    form.reset();
    var clientId = form.querySelector("[name=client_id]");
    if (clientId) clientId.value = newClientId();
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (submit) { submit.disabled = false; });
    document.querySelectorAll("[data-testid=outbox-kept]").forEach(function (old) { old.remove(); });
    var note = document.createElement("div");
    note.className = "alert alert-success";
    note.setAttribute("role", "status");
    note.dataset.testid = "outbox-kept";
    note.textContent = text.kept + (dropped ? " " + text.notKept : "");
    form.parentNode.insertBefore(note, form);
    note.scrollIntoView({ block: "center" });
    return show();
  }

  // A blank form the phone kept (data-new-entry) may be opened many times: each opening is a new entry with its
  // own id, and a visit form kept yesterday proposes today (data-rendered-on: the day the server made the page).
  function fresh(form) {
    var clientId = form.querySelector("[name=client_id]");
    if (clientId) clientId.value = newClientId();
    var day = form.querySelector("[name=visited_on]");
    var today = new Date().toLocaleDateString("sv-SE"); // YYYY-MM-DD, the phone's own day
    if (day && form.dataset.renderedOn && day.value === form.dataset.renderedOn) day.value = today;
  }

  // A form with data-outbox is sent at once when the network answers, and kept on the phone when it does not.
  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    if (form.hasAttribute("data-new-entry")) fresh(form);
    form.addEventListener("submit", function (event) {
      if (form.dataset.outboxPlain) return; // the server's page with its error messages, as without the outbox
      event.preventDefault();
      collect(form).then(function (fields) {
        var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
        var sent = navigator.onLine ? post(form.getAttribute("action") || location.pathname, fields, token, "form") : Promise.reject(new Error("offline"));
        return sent.then(function (answer) {
          if (answer.status === 201) {
            return answer.json().then(function (done) {
              return idbKeyval.del(mine + idOf(form), store).then(function () { location.assign(done.url); });
            });
          }
          if (answer.status === 422) { form.dataset.outboxPlain = "1"; form.submit(); return; }
          throw new Error("answered " + answer.status);
        }).catch(function () { return keep(form, fields).then(function (dropped) { return kept(form, dropped); }); });
      });
    });
  });

  // 修改: a refused entry opened again in its form (?outbox=<id>), to correct and save again under the same id.
  function fill(form, entry) {
    var values = {};
    entry.fields.forEach(function (field) { (values[field[0]] = values[field[0]] || []).push(field[1]); });
    var total = form.querySelector("input[name$=TOTAL_FORMS]");
    var adder = form.querySelector("[data-add-demand]");
    if (total && adder && values[total.name]) {
      while (Number(total.value) < Number(values[total.name][0])) adder.click();
      total.closest("details").open = true;
    }
    Object.keys(values).forEach(function (name) {
      if (name === "csrfmiddlewaretoken") return;
      var inputs = form.querySelectorAll("[name='" + CSS.escape(name) + "']");
      inputs.forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = values[name].indexOf(input.value) >= 0;
        } else if (input.type === "file") {
          var files = new DataTransfer();
          values[name].forEach(function (file) { if (file instanceof File) files.items.add(file); });
          input.files = files.files;
        } else if (input.tagName === "SELECT" && !input.querySelector("option[value='" + CSS.escape(values[name][0]) + "']")) {
          input.add(new Option(entry.household || values[name][0], values[name][0], true, true));
        } else {
          input.value = values[name][0];
        }
      });
    });
    form.dataset.outboxCorrecting = entry.id;
    var note = document.createElement("div");
    note.className = "alert alert-warning";
    note.dataset.testid = "outbox-correcting";
    note.textContent = text.correcting + entry.reason;
    form.parentNode.insertBefore(note, form);
  }

  function correcting() {
    var id = new URLSearchParams(location.search).get("outbox");
    var form = document.querySelector("form[data-outbox]");
    if (!id || !form) return Promise.resolve();
    return idbKeyval.get(mine + id, store).then(function (entry) { if (entry) fill(form, entry); });
  }

  // Logging out makes the phone forget what it kept for this cadre, the outbox too: ask first. The server then
  // clears every store of the site (Clear-Site-Data) — unless another cadre's entries wait on this phone:
  // then this cadre's entries and kept pages are deleted here, and the others' stay (keep_others).
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.outboxCleared) return;
      event.preventDefault();
      var waiting = Number(body.dataset.outboxCount || 0);
      if (waiting && !window.confirm(text.logout.replace("%(count)s", waiting))) return;
      idbKeyval.keys(store).then(function (keys) {
        var own = keys.filter(function (key) { return String(key).indexOf(mine) === 0; });
        if (own.length === keys.length) return;
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = "keep_others"; keep.value = "1";
        form.append(keep);
        return Promise.all(own.map(function (key) { return idbKeyval.del(key, store); }))
          .then(function () { return window.caches ? caches.delete("pages") : null; });
      }).catch(function () { /* logging out goes on whatever the phone could delete */ }).then(function () {
        form.dataset.outboxCleared = "1";
        form.submit();
      });
    });
  });

  window.addEventListener("online", sendAll);
  function start() { correcting().then(show).then(sendAll); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
