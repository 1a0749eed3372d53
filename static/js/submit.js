// The public submission form (templates/grievances/submit.html): "Text me a code" asks for it in the background, so
// the form — and the photos chosen — stay as they are; a county chosen shows its villages. Without JavaScript both
// buttons submit the page and the server answers the same.
(function () {
  "use strict";
  var form = document.querySelector("[data-submission-form]");
  if (!form) return;
  var button = form.querySelector("[data-send-code]");
  var status = form.querySelector("[data-code-status]");
  var county = form.querySelector("[name=county]");

  county.addEventListener("change", function () {
    window.location.search = "?county=" + encodeURIComponent(county.value);
  });

  function wait(seconds) {
    var label = button.textContent;
    button.disabled = true;
    var timer = setInterval(function () {
      seconds -= 1;
      button.textContent = label + "（" + seconds + "）";
      if (seconds <= 0) { clearInterval(timer); button.disabled = false; button.textContent = label; }
    }, 1000);
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("phone", form.querySelector("[name=phone]").value.trim());
    button.disabled = true;
    fetch(form.getAttribute("data-code-url"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        status.textContent = answer.message;
        status.classList.toggle("text-danger", !answer.sent);
        if (answer.sent) { wait(60); form.querySelector("[name=code]").focus(); } else { button.disabled = false; }
      })
      .catch(function () {
        status.textContent = status.getAttribute("data-offline");
        status.classList.add("text-danger");
        button.disabled = false;
      });
  });
})();
