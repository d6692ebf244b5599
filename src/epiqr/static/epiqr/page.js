/* EpiQR page behaviours, loaded by base.html on every page. The Content-Security-Policy forbids inline
   event handlers (onclick=...) and javascript: links, so pages ask for these behaviours with data
   attributes instead:
     data-autosubmit  on a <select> or <input>: submit its form when the value changes
     data-print       on a button: print the page
     data-confirm="question"  on a button or link: ask first, and do nothing unless confirmed
     data-back        on a link: go back one page (the link's href is the fallback)
*/
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var ask = target.closest("[data-confirm]");
    if (ask && !window.confirm(ask.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    if (target.closest("[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
