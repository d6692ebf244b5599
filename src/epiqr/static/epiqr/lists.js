// Lists (epiqr.core.lists): the filter panel is folded on a phone and open on a wider screen, and a
// submitted filter form leaves empty fields and defaults out of the address, so a list has one address.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 641px)");

  function unfold() {
    if (!wide.matches) return;
    document.querySelectorAll("details[data-list-filters]").forEach(function (panel) {
      panel.open = true;
    });
  }

  function tidy(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.list-filters") || form.hasAttribute("hx-get")) return;
    var left = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled) return;
      var unused = field.value === "" || field.value === field.getAttribute("data-default");
      if (unused) {
        field.disabled = true;
        left.push(field);
      }
    });
    // Enable them again once the request has left (the page may come back from the history cache).
    setTimeout(function () {
      left.forEach(function (field) { field.disabled = false; });
    }, 0);
  }

  document.addEventListener("submit", tidy);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", unfold);
  else unfold();
})();
