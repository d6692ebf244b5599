/* The public safe-venue map (Leaflet, vendored; no tile layer): the venues of one commune from the page's
   #map-data JSON, green when no case was reported, orange or red when a case was present. Names are set as
   text, never as HTML. */
(function () {
  "use strict";
  var COLOURS = { "": "#2b8a3e", medium: "#e8590c", high: "#c92a2a" };

  function start() {
    var box = document.getElementById("map");
    var source = document.getElementById("map-data");
    if (!box || !source || !window.L) return;
    var data = JSON.parse(source.textContent);
    var map = L.map(box, { attributionControl: false });
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    data.venues.forEach(function (v) {
      var marker = L.circleMarker([v.lat, v.lon], {
        radius: 7, weight: 1, color: "#343a40", fillOpacity: 0.9, fillColor: COLOURS[v.risk] || COLOURS[""],
        className: "venue risk-" + (v.risk || "none"),
      });
      var pop = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = v.name;
      var what = document.createElement("div");
      what.textContent = v.sector + " — " + (v.risk === "high" ? box.dataset.tHigh : v.risk === "medium" ? box.dataset.tMedium : box.dataset.tNone);
      pop.appendChild(name);
      pop.appendChild(what);
      var own = { safe: box.dataset.tSafe, at_risk: box.dataset.tAtRisk, high_risk: box.dataset.tHighRisk }[v.safety];
      if (own) {
        var said = document.createElement("div");
        said.textContent = own;
        pop.appendChild(said);
      }
      marker.bindPopup(pop);
      marker.bindTooltip(v.name);
      marker.addTo(map);
      bounds.push([v.lat, v.lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
    else map.setView([16.0, 106.0], 5);
    box.dataset.ready = String(data.venues.length);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
