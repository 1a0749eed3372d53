// Today's village on the phone, without signal. The service worker keeps one village bundle (views.app.village_bundle:
// every household, masked) instead of hundreds of household pages, and shows a page it has not kept with a kept page
// that this script fills from the bundle:
// - the household list searched or paged, and a household's page: fieldwork/household_offline.html;
// - a household's edit form: the new-household form, filled with the household (fieldwork/household_form.html).
// The visit form's picker (household-picker.js) searches the bundle when the server cannot be reached (window.village).
// No inline script: the pages' CSP forbids it. Everything is written with textContent, never as HTML.
(function () {
  "use strict";

  var PAGE_SIZE = 50;
  var url = document.body.dataset.villageBundle;

  // The bundle as the worker kept it, or null (never opened with signal, no Cache API, logged out since).
  function bundle() {
    if (!url || !window.caches) return Promise.resolve(null);
    return caches.open("pages")
      .then(function (cache) { return cache.match(url, { ignoreVary: true }); })
      .then(function (kept) { return kept ? kept.json() : null; })
      .catch(function () { return null; });
  }

  function fold(text) { return String(text || "").toLowerCase(); }

  // As the server's picker matches and orders (selectors.household_picker): the start of the number, or part of
  // the head's name or the address; paired first, then recently visited, then by number.
  function search(data, query, page, size) {
    var q = fold(query).trim();
    var matches = data.households.filter(function (h) {
      return !q || fold(h.number).indexOf(q) === 0 || fold(h.head_name).indexOf(q) >= 0 || fold(h.address).indexOf(q) >= 0;
    }).sort(function (a, b) {
      var recentA = a.recent === null ? Infinity : a.recent;
      var recentB = b.recent === null ? Infinity : b.recent;
      return (b.paired - a.paired) || (recentA - recentB) || (a.number < b.number ? -1 : a.number > b.number ? 1 : a.id - b.id);
    });
    var start = (Math.max(page, 1) - 1) * size;
    return { results: matches.slice(start, start + size), more: matches.length > start + size, total: matches.length };
  }

  function find(data, id) {
    return data.households.find(function (h) { return String(h.id) === String(id); }) || null;
  }

  window.village = { bundle: bundle, search: search, find: find };

  function withId(template, id) { return template.replace("/0/", "/" + id + "/"); }

  function at(data) {
    var when = new Date(data.at);
    return isNaN(when) ? data.at : when.toLocaleString("zh-CN", { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function row(box, h) {
    var link = document.createElement("a");
    link.className = "list-group-item list-group-item-action";
    link.href = withId(box.dataset.householdUrl, h.id);
    var top = document.createElement("div");
    top.className = "d-flex justify-content-between";
    var name = document.createElement("span");
    name.className = "fw-semibold";
    name.textContent = h.head_name;
    var number = document.createElement("span");
    number.className = "text-body-secondary small";
    number.textContent = h.number;
    top.append(name, number);
    var detail = document.createElement("div");
    detail.className = "small text-body-secondary";
    detail.textContent = [h.address, h.phone].filter(Boolean).join(" · ");
    link.append(top, detail);
    return link;
  }

  function showList(box, data) {
    var section = box.querySelector("[data-village-list]");
    var input = section.querySelector("[data-village-search]");
    var rows = section.querySelector("[data-village-rows]");
    var more = section.querySelector("[data-village-more]");
    var count = section.querySelector("[data-village-count]");
    var page = 1;
    section.querySelector("[data-village-title]").textContent = box.dataset.title.replace("{village}", data.village);
    section.querySelector("[data-village-edit]").hidden = !data.can_edit;
    input.value = new URLSearchParams(location.search).get("q") || "";

    function draw() {
      var found = search(data, input.value, page, PAGE_SIZE);
      if (page === 1) rows.replaceChildren();
      found.results.forEach(function (h) { rows.append(row(box, h)); });
      more.hidden = !found.more;
      count.textContent = found.total ? box.dataset.found.replace("{count}", found.total) : "";
      if (!found.total) {
        var empty = document.createElement("div");
        empty.className = "list-group-item text-body-secondary";
        empty.textContent = input.value.trim() ? box.dataset.none : box.dataset.empty;
        rows.append(empty);
      }
    }

    input.addEventListener("input", function () { page = 1; draw(); });
    more.addEventListener("click", function () { page += 1; draw(); });
    section.hidden = false;
    draw();
  }

  function showHousehold(box, data, h) {
    var section = box.querySelector("[data-village-household]");
    var values = Object.assign({}, h, { place: data.village + " " + h.number, tag_labels: h.tag_labels.join("、") });
    section.querySelectorAll("[data-field]").forEach(function (field) {
      var value = values[field.dataset.field];
      field.textContent = value === "" || value === null || value === undefined ? "—" : String(value);
    });
    document.title = h.head_name + " · " + document.title.split(" · ").slice(1).join(" · ");
    var edit = section.querySelector("[data-village-edit]");
    edit.href = withId(box.dataset.editUrl, h.id);
    edit.hidden = !data.can_edit;
    section.querySelector("[data-village-visit]").href = box.dataset.visitUrl + "?household=" + h.id;
    var pair = section.querySelector("[data-village-pair]");
    pair.setAttribute("action", withId(box.dataset.pairUrl, h.id));
    pair.dataset.outbox = pair.dataset.outbox.replace("{name}", h.head_name);
    pair.hidden = !data.can_pair;
    var visits = section.querySelector("[data-village-visits]");
    h.visits.forEach(function (visit) {
      var item = document.createElement("div");
      item.className = "border-bottom py-1 small";
      var who = document.createElement("span");
      who.className = "text-body-secondary";
      who.textContent = visit.on + " " + visit.cadre;
      item.append(who, document.createElement("br"), document.createTextNode(visit.diary));
      visits.append(item);
    });
    section.querySelector("[data-village-no-visits]").hidden = h.visits.length > 0;
    section.hidden = false;
  }

  function offlinePage(box) {
    bundle().then(function (data) {
      if (!data) {
        box.querySelector("[data-village-missing]").hidden = false;
        return;
      }
      box.querySelector("[data-village-at]").textContent = box.dataset.at.replace("{at}", at(data));
      var id = (location.pathname.match(/\/households\/([0-9]+)\/$/) || [])[1];
      if (!id) return showList(box, data);
      var h = find(data, id);
      if (h) return showHousehold(box, data, h);
      box.querySelector("[data-village-missing]").hidden = false;
    });
  }

  // The new-household form standing in for /households/<id>/edit/: filled with that household and its version, so
  // the edit goes to the outbox like one made on the household's own form (a correction, ?outbox=, fills itself).
  function editForm(form, id) {
    if (new URLSearchParams(location.search).has("outbox")) return;
    bundle().then(function (data) {
      var h = data && find(data, id);
      if (!h) return;
      var title = form.dataset.editTitle.replace("{name}", h.head_name);
      var heading = document.querySelector("h1");
      if (heading) heading.textContent = title;
      form.dataset.outbox = title;
      data.editable.forEach(function (name) { // never phone or ID number: the bundle has them masked only
        var inputs = form.querySelectorAll("[name='" + CSS.escape(name) + "']");
        inputs.forEach(function (input) {
          if (input.type === "checkbox") input.checked = h[name].indexOf(input.value) >= 0;
          else if (input.type !== "file") input.value = h[name];
        });
      });
    });
  }

  var box = document.querySelector("[data-village-offline]");
  if (box) offlinePage(box);
  var editing = location.pathname.match(/\/households\/([0-9]+)\/edit\/$/);
  var blank = document.querySelector("form[data-edit-title][data-new-entry]");
  if (editing && blank) editForm(blank, editing[1]);
})();
