// The navbar's menu on a phone: the toggler shows and hides its collapse target (Bootstrap's CSS,
// `.collapse.show`), in place of Bootstrap's whole JavaScript bundle.
(function () {
  "use strict";
  document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) return;
    button.addEventListener("click", function () {
      var open = target.classList.toggle("show");
      button.setAttribute("aria-expanded", String(open));
      button.classList.toggle("collapsed", !open);
    });
  });
})();
