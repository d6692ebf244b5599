/* Sampling station: show refusals (409/422) in the panel too, so the technician sees why a scan was
   refused; scanstation.js keeps the input focused and submits on Enter. */
(function () {
  "use strict";
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[234]..", swap: true },
      { code: "5..", swap: false, error: true }
    ];
  }
})();
