/* EpiQR page helpers loaded on every page (no inline script anywhere):
   - tables with a header row become one card per row on a phone: each cell gets its column's name as
     data-label and the table the class "stack" (base.css lays it out under 720 px); a table marked
     data-keep-table (figures to compare across rows) keeps its columns and scrolls inside itself;
   - the current entry of the header menu is scrolled into view (the menu scrolls sideways on phones);
   - <select data-autosubmit> sends its form when changed (the form also has a button for no-JS use);
   - a commune <select data-commune-search="API url"> gets a search box above it that asks the commune
     API (current and former names) and narrows the options; the chosen option always stays. */
(function () {
  "use strict";
  function stack(table) {
    if (table.hasAttribute("data-keep-table") || table.classList.contains("stack") || table.classList.contains("cards")) return;
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = [];
    for (var i = 0; i < head.cells.length; i++) {
      var span = head.cells[i].colSpan || 1;
      for (var j = 0; j < span; j++) names.push(head.cells[i].textContent.trim());
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) label(rows[r], names);
    }
    table.classList.add("stack");
  }
  function label(row, names) {
    var col = 0;
    for (var c = 0; c < row.cells.length; c++) {
      var cell = row.cells[c];
      if (!cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", (row.cells.length === 1 ? "" : names[col]) || "");
      }
      col += cell.colSpan || 1;
    }
  }
  function stackAll(root) {
    var tables = (root || document).querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) stack(tables[i]);
  }
  function showCurrentMenuEntry() {
    var current = document.querySelector("header.top nav a[aria-current=page]");
    var nav = current && current.parentNode;
    if (nav && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = current.offsetLeft - nav.offsetLeft - 8;
    }
  }
  function autosubmit(event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  }
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().trim();
  }
  function communeSearch(select) {
    if (select.hasAttribute("data-search-ready")) return;
    select.setAttribute("data-search-ready", "");
    var all = Array.prototype.map.call(select.options, function (o) { return { value: o.value, text: o.text }; });
    var finder = document.createElement("label");
    finder.className = "commune-find";
    finder.textContent = select.getAttribute("data-search-label") || "";
    var box = document.createElement("input");
    box.type = "search";
    box.autocomplete = "off";
    box.setAttribute("enterkeyhint", "search");
    finder.appendChild(box);
    var holder = select.closest("label") || select;
    holder.parentNode.insertBefore(finder, holder);
    var timer = null;
    var asked = 0;
    function show(rows) {
      var chosen = select.value;
      var byValue = {};
      all.forEach(function (o) { byValue[o.value] = o; });
      var keep = all.filter(function (o) { return o.value === "" || o.value === chosen; });
      var seen = {};
      keep.forEach(function (o) { seen[o.value] = true; });
      var options = keep.map(function (o) { return { value: o.value, text: o.text }; });
      rows.forEach(function (r) {
        var o = byValue[String(r.code)];
        if (!o || seen[o.value]) return;
        seen[o.value] = true;
        var former = r.former_name ? " (" + (select.getAttribute("data-former-label") || "") + " " + r.former_name + ")" : "";
        options.push({ value: o.value, text: o.text + former });
      });
      select.options.length = 0;
      options.forEach(function (o) { select.add(new Option(o.text, o.value, false, o.value === chosen)); });
      var found = options.filter(function (o) { return o.value !== ""; });
      if (found.length === 1 && !chosen) select.value = found[0].value;
    }
    function locally(q) {
      var words = fold(q).split(/\s+/);
      return all.filter(function (o) {
        var name = " " + fold(o.text);
        return o.value !== "" && words.every(function (w) { return name.indexOf(" " + w) >= 0; });
      }).map(function (o) { return { code: o.value, former_name: null }; });
    }
    function ask() {
      var q = box.value.trim();
      if (!q) { show(all.filter(function (o) { return o.value !== ""; }).map(function (o) { return { code: o.value }; })); return; }
      var mine = ++asked;
      var url = select.getAttribute("data-commune-search") + "?limit=50&q=" + encodeURIComponent(q);
      if (select.getAttribute("data-province")) url += "&province=" + encodeURIComponent(select.getAttribute("data-province"));
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (rows) { if (mine === asked) show(rows); })
        .catch(function () { if (mine === asked) show(locally(q)); });
    }
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 250); });
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); ask(); } });
  }
  function communeSearchAll(root) {
    var selects = (root || document).querySelectorAll("select[data-commune-search]");
    for (var i = 0; i < selects.length; i++) communeSearch(selects[i]);
  }
  document.addEventListener("change", autosubmit);
  document.addEventListener("DOMContentLoaded", function () {
    stackAll(document);
    showCurrentMenuEntry();
    communeSearchAll(document);
  });
  // Parts of pages replaced by htmx (search results, station panels) get the same treatment.
  document.addEventListener("htmx:afterSettle", function (e) { stackAll(e.target); communeSearchAll(e.target); });
})();
