// Lists (epiqr.core.lists): the filter panel is folded on a phone and open on a wider screen.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 641px)");
  function unfold() {
    if (!wide.matches) return;
    document.querySelectorAll("details[data-list-filters]").forEach(function (panel) {
      panel.open = true;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", unfold);
  else unfold();
})();
