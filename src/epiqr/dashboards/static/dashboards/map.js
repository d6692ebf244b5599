/* The dashboards' offline map (Leaflet, vendored under static/vendor/leaflet; no tile layer, so no request
   leaves the site). Reads the page's #map-data JSON: communes at their centroid coloured by level, clusters
   as red rings, crowded places as purple squares. Every label comes from the page (data-t-* attributes,
   translated by the server); names are set as text, never as HTML. */
(function () {
  "use strict";
  var COLOURS = { 1: "#2b8a3e", 2: "#e0a800", 3: "#e8590c", 4: "#c92a2a" };
  var NONE = "#adb5bd";

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function start() {
    var box = document.getElementById("map");
    var source = document.getElementById("map-data");
    if (!box || !source || !window.L) return;
    var data = JSON.parse(source.textContent);
    var t = box.dataset;
    var map = L.map(box, { preferCanvas: false, zoomSnap: 0.25, attributionControl: false });
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    var communes = L.featureGroup().addTo(map);
    data.communes.forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lon], {
        radius: 7, weight: 1, color: "#343a40", fillOpacity: 0.85,
        fillColor: c.level ? COLOURS[c.level] : NONE, className: "commune level-" + (c.level || "none"),
      });
      var pop = document.createElement("div");
      pop.appendChild(text("strong", c.name));
      pop.appendChild(text("div", c.level ? t.tLevel + " " + c.level : t.tNone));
      if (c.rate !== null) pop.appendChild(text("div", c.rate + " " + t.tRate));
      var link = text("a", t.tHistory);
      link.href = t.historyUrl.replace("/0/", "/" + c.code + "/");
      pop.appendChild(link);
      marker.bindPopup(pop);
      marker.bindTooltip(c.name);
      marker.addTo(communes);
      bounds.push([c.lat, c.lon]);
    });
    var places = L.featureGroup().addTo(map);
    data.places.forEach(function (p) {
      var pop = document.createElement("div");
      pop.appendChild(text("strong", p.name));
      pop.appendChild(text("div", p.commune));
      var marker;
      if (p.kind === "cluster") {
        marker = L.circleMarker([p.lat, p.lon], {
          radius: 6 + Math.min(p.count, 10), weight: 3, color: "#c92a2a", fill: false, className: "cluster",
        });
        pop.appendChild(text("div", t.tCluster + ": " + p.count + " " + t.tCases));
      } else {
        var icon = L.divIcon({ className: "crowded-icon " + p.kind, iconSize: [14, 14] });
        marker = L.marker([p.lat, p.lon], { icon: icon, keyboard: true, title: p.name });
        pop.appendChild(text("div", (p.kind === "venue" ? t.tVenue + ": " + p.count + " " + t.tPeople + ", " + t.tCapacity
          : t.tCamera + ": " + p.count + ", " + t.tThreshold) + " " + p.limit));
      }
      marker.bindPopup(pop);
      marker.addTo(places);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
    } else {
      map.setView([16.0, 106.0], 5);  // Việt Nam
    }
    box.dataset.ready = String(data.communes.length);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
