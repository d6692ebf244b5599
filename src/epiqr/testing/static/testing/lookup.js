/* Result lookup: a slip's QR opens /testing/result/?barcode=...#code=...; the code travels in the
   fragment, which the browser never sends, so it is put in the form here. */
(function () {
  "use strict";
  var match = /(?:^#|&)code=([0-9A-Za-z-]{1,40})/.exec(window.location.hash || "");
  var input = document.getElementById("id_code");
  if (match && input && !input.value) {
    input.value = match[1];
    history.replaceState(null, "", window.location.pathname + window.location.search);
    var button = document.querySelector("[data-lookup-submit]");
    if (button) { button.focus(); }
  }
})();
