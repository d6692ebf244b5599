/* Result slips: the Print button (no inline script, see the CSP approach in docs/development.md). */
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
