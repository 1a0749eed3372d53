// Cadre pages on a phone: location when allowed, no double submit, more demand rows.
(function () {
  "use strict";

  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    if (!navigator.geolocation) return;
    var status = document.querySelector("[data-location-status]");
    navigator.geolocation.getCurrentPosition(function (position) {
      var set = function (name, value) { var input = form.querySelector("[name=" + name + "]"); if (input) input.value = value; };
      set("latitude", position.coords.latitude.toFixed(6));
      set("longitude", position.coords.longitude.toFixed(6));
      set("accuracy", Math.round(position.coords.accuracy));
      if (status && status.dataset.shared) status.textContent = status.dataset.shared;
    }, function () { /* refused or unavailable: the form works without it */ }, { timeout: 8000, maximumAge: 300000 });
  });

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });

  document.querySelectorAll("[data-add-demand]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.closest("[data-demands]");
      var total = box.querySelector("input[name$=TOTAL_FORMS]");
      var template = box.querySelector("template[data-demand-template]");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      button.insertAdjacentHTML("beforebegin", html);
      total.value = String(index + 1);
    });
  });
})();
