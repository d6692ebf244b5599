/* Service worker of the checkpoint pages (served at /checkpoints/sw.js, so it controls /checkpoints/):
   keeps the station page and its static files so that the officer's phone can reload the page with no
   network. Pages and lists: network first, the kept copy when the network is gone. Static files: the
   kept copy (their names change with their content). The API is never cached. */
"use strict";
var CACHE = "epiqr-checkpoint-v1";
var ASSETS = /*ASSETS*/[];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The page that registered the worker asks for itself to be kept (its first load came before the worker
   existed, so the fetch handler never saw it): {keep: url} is answered {kept: true|false} on the port. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (!data.keep || new URL(data.keep, self.location.href).origin !== self.location.origin) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.add(new Request(data.keep, { credentials: "same-origin" }));
  }).then(function () { if (port) port.postMessage({ kept: true }); })
    .catch(function () { if (port) port.postMessage({ kept: false }); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  var isStatic = ASSETS.indexOf(url.pathname) >= 0;
  var isPage = url.pathname.indexOf("/checkpoints/station/") === 0;
  if (isStatic) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (isPage) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
  }
});
