// The visit form's household picker. The page lists only a few households (paired, recent, the chosen one);
// typing in the search box asks the server for a page of matches in today's village (number, name or
// address) and lists them under it; a tap puts the household into the drop-down, which is what the form sends.
// Without signal it searches the village the phone keeps (village.js), and a household chosen on its page
// (?household=) is put into the drop-down from there too.
// Without this script the drop-down still offers the first few. No inline script: the page's CSP forbids it.
(function () {
  "use strict";

  var WAIT_MS = 250; // after the last key, so a name typed quickly costs one request
  var PAGE_SIZE = 20; // as the server's (selectors.PICKER_PAGE_SIZE)

  document.querySelectorAll("[data-household-picker]").forEach(function (box) {
    var search = box.querySelector("[data-picker-search]");
    var select = box.querySelector("select");
    var status = box.querySelector("[data-picker-status]");
    var more = box.querySelector("[data-picker-more]");
    if (!search || !select || !window.fetch || !window.URLSearchParams) return;

    var list = document.createElement("div");
    list.className = "list-group mb-1 overflow-auto";
    list.style.maxHeight = "22rem"; // a long page of matches scrolls; the drop-down stays in view
    list.setAttribute("data-picker-results", "");
    select.parentNode.insertBefore(list, select);
    search.hidden = false;

    var query = "";
    var page = 1;
    var timer = null;
    var asked = 0; // answers to an older query are dropped

    function say(template, count) {
      status.textContent = template ? template.replace("{count}", String(count)) : "";
    }

    function choose(result) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === String(result.id); });
      if (!option) {
        option = new Option(result.label, String(result.id));
        select.add(option, 1); // after "village-level activity"
      }
      select.value = String(result.id);
      select.dispatchEvent(new Event("change", { bubbles: true }));
      list.replaceChildren();
      more.hidden = true;
      say("");
    }

    function row(result) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action py-2";
      button.setAttribute("data-household-id", String(result.id));
      var name = document.createElement("div");
      name.textContent = result.head_name + "（" + result.number + "）";
      var detail = document.createElement("div");
      detail.className = "small text-body-secondary";
      detail.textContent = [result.address, result.phone].filter(Boolean).join(" · ");
      button.append(name, detail);
      button.addEventListener("click", function () { choose(result); });
      return button;
    }

    function fromServer() {
      var url = box.dataset.url + "?" + new URLSearchParams({ q: query, page: String(page) }).toString();
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    }

    function fromPhone() {
      var kept = window.village ? window.village.bundle() : Promise.resolve(null);
      return kept.then(function (data) {
        if (!data) throw new Error("not kept");
        return window.village.search(data, query, page, PAGE_SIZE);
      });
    }

    function ask() {
      var mine = ++asked;
      (navigator.onLine ? fromServer().catch(fromPhone) : fromPhone())
        .then(function (data) {
          if (mine !== asked) return;
          if (page === 1) list.replaceChildren();
          data.results.forEach(function (result) { list.append(row(result)); });
          var shown = list.children.length;
          more.hidden = !data.more;
          if (!shown) say(box.dataset.none, 0);
          else say(data.more ? box.dataset.moreFound : box.dataset.found, shown);
        })
        .catch(function () {
          if (mine === asked) say(box.dataset.failed, 0);
        });
    }

    function searchNow() {
      clearTimeout(timer);
      query = search.value.trim();
      page = 1;
      if (!query) {
        asked++;
        list.replaceChildren();
        more.hidden = true;
        say("");
        return;
      }
      ask();
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(searchNow, WAIT_MS);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter searches at once; it must not send the visit form
      searchNow();
    });
    more.addEventListener("click", function () {
      page += 1;
      ask();
    });

    var chosen = new URLSearchParams(location.search).get("household");
    var listed = Array.prototype.some.call(select.options, function (o) { return o.value === chosen; });
    if (chosen && !listed && window.village) {
      window.village.bundle().then(function (data) {
        var household = data && window.village.find(data, chosen);
        if (household) choose(household);
      });
    }
  });
})();
