/* Vaccinator station: after a scan shows the person, Enter on the empty scan field records the dose
   (the second keystroke); scanstation.js keeps the field focused and submits scans. Refusals (409/422)
   are shown in the panel. The observation list counts down each person's remaining minutes. */
(function () {
  "use strict";
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[234]..", swap: true },
      { code: "5..", swap: false, error: true }
    ];
  }
  function recordOnEmptyEnter() {
    var input = document.querySelector("#scan-form [data-scan-input]");
    if (!input) return;
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || input.value.trim() !== "") return;
      var form = document.querySelector("#record-form[data-ready]");
      if (!form) return;
      e.preventDefault();
      if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.requestSubmit(); }
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      var elt = e.detail && e.detail.elt;
      if (elt && elt.id === "record-form") { input.value = ""; input.focus(); }
    });
  }
  function countdown() {
    var items = document.querySelectorAll("#observation-list li[data-until]");
    var now = Date.now();
    items.forEach(function (li) {
      var left = Math.ceil((Date.parse(li.getAttribute("data-until")) - now) / 60000);
      var pill = li.querySelector("[data-countdown]");
      if (!pill) return;
      if (left <= 0) { pill.textContent = "✓ 0'"; pill.className = "pill ok"; li.classList.add("done"); }
      else { pill.textContent = left + "'"; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    recordOnEmptyEnter();
    countdown();
    setInterval(countdown, 15000);
    document.body.addEventListener("htmx:afterSwap", countdown);
  });
})();
