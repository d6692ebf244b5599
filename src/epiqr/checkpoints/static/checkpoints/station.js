/* The checkpoint officer's phone page. Works without a network once loaded:
   - the trust list and the revocation list of purpose "permit" are fetched when online and kept in
     localStorage; a permit is verified on the phone (verify.js, WebCrypto) in a few milliseconds;
   - online, the scan is also sent to /api/v1/checkpoints/verify for the population registry's status
     (active case, F1 in quarantine: shown red) and the answer completes the verdict;
   - every check becomes a passage in a queue kept in localStorage, each with its own client_id (a UUID),
     and the queue is sent to /api/v1/checkpoints/passages whenever the network is there (the server
     stores each client_id of this account once, so sending twice is harmless);
   - a service worker (sw.js) keeps the page and its scripts for a reload without network.
   One input takes every scan: a permit (GD1:...) starts a check; an ID card or personal QR scanned next
   is compared with that permit's holder; a card alone is looked up in the registry. */
(function () {
  "use strict";
  var root = document.getElementById("station");
  if (!root) return;
  var d = root.dataset;
  var labels = JSON.parse(document.getElementById("reason-labels").textContent);
  var words = JSON.parse(document.getElementById("station-words").textContent);
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-input");
  var verdictBox = document.getElementById("verdict");
  var logList = document.getElementById("log");
  var netBox = document.getElementById("net");
  var KEY = "epiqr.checkpoint." + d.user + ".";
  var PENDING_MS = 30000;
  var pending = null;  // the passage being checked (a permit waiting for an optional card)
  var pendingTimer = null;

  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(name, value) { try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* full */ } }

  var material = load("material", null);
  var queue = load("queue", []);
  var logged = load("log", []);
  var direction = load("direction", "in");

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : (form.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    });
  }

  // --- the cached lists ---------------------------------------------------------------------------
  function refreshMaterial() {
    return Promise.all([
      fetch(d.trustUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) { if (!r.ok) throw r; return r.json(); }),
      fetch(d.revocationsUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) { if (!r.ok) throw r; return r.json(); })
    ]).then(function (both) {
      material = { trust: both[0], revocations: both[1], fetchedAt: new Date().toISOString() };
      save("material", material);
      showNet();
    }).catch(function () { showNet(); });
  }
  function showNet() {
    var online = navigator.onLine;
    var when = material ? new Date(material.fetchedAt) : null;
    netBox.classList.toggle("off", !online);
    netBox.textContent = (online ? words.online : words.offline) + " · " +
      (when ? words.lists + " " + when.toLocaleString("vi-VN") : words.no_lists) +
      (queue.length ? " · " + words.waiting.replace("%(n)s", queue.length) : "");
    netBox.dataset.queue = String(queue.length);
    netBox.dataset.lists = material ? "1" : "0";
    document.getElementById("count-waiting").textContent = String(queue.length);
  }

  // --- scans --------------------------------------------------------------------------------------
  function cardIds(text) {
    var t = text.trim();
    var compact = t.replace(/\s+/g, "").toUpperCase();
    if (/^[A-Z0-9]{6,12}$/.test(compact)) return [compact];
    var f = t.split("|");
    if (f.length >= 2 && /^\d{12}$/.test(f[0].trim())) return [f[0].trim()].concat(/^\d{9}$/.test(f[1].trim()) ? [f[1].trim()] : []);
    return null;
  }

  // The passage on the screen: a late answer (the registry) for an earlier scan never replaces the
  // verdict of the scan the officer is looking at.
  var shown = null;

  function render(p) {
    if (p !== shown) return;
    var v = p.verdict;
    verdictBox.hidden = false;
    verdictBox.className = "verdict " + (v === null ? "pending" : (v.valid ? "valid" : "not-valid"));
    verdictBox.dataset.outcome = v === null ? "" : (v.valid ? "valid" : "not_valid");
    verdictBox.dataset.reasons = v === null ? "" : v.reasons.join(" ");
    verdictBox.dataset.alert = p.alert ? "1" : "0";
    var html = "<h2>" + (v === null ? words.checking : (v.valid ? words.valid : words.not_valid)) + "</h2>";
    if (p.holderName || p.permit) {
      html += "<div class='who'>" + esc(p.holderName || "") + "</div><div>" +
        (p.permit ? words.permit_no + " " + p.permit : "") + (p.holderId ? " · " + esc(p.holderId) : "") +
        (p.plate ? " · " + esc(p.plate) : "") + "</div>";
    }
    if (v && v.reasons.length) {
      html += "<ul>" + v.reasons.map(function (r) { return "<li>" + esc(labels[r] || r) + "</li>"; }).join("") + "</ul>";
    }
    if (p.registry) {
      var reg = p.registry;
      html += "<div class='registry" + (p.alert ? " red" : "") + "'>";
      if (reg.available === false) html += esc(labels.registry_unavailable);
      else if (reg.found === false) html += esc(labels.not_in_registry);
      else {
        html += "<b>" + esc(reg.full_name) + "</b> · " + esc(String(reg.birth || "")) + "<br>" + esc(reg.residence || "");
        (reg.statuses || []).forEach(function (s) { html += "<br><b>" + esc(s.label) + "</b>"; });
      }
      html += "</div>";
    } else if (p.registryAsked === false && !navigator.onLine) {
      html += "<div class='registry'>" + esc(words.registry_offline) + "</div>";
    }
    if (p.permit && !p.cardChecked && !p.committed) html += "<p>" + esc(words.scan_card) + "</p>";
    verdictBox.innerHTML = html;
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }

  function askRegistry(p) {
    if (!navigator.onLine) { p.registryAsked = false; return Promise.resolve(); }
    p.registryAsked = true;
    var body = { checkpoint: Number(d.checkpointId), permit: p.permitText || "", card: p.cardText || "" };
    var timeout = new Promise(function (resolve) { setTimeout(resolve, 2500, null); });
    var ask = post(d.verifyUrl, body).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
    return Promise.race([ask, timeout]).then(function (answer) {
      if (!answer) { p.registry = { available: false }; return; }
      p.registry = answer.registry || null;
      p.alert = !!answer.alert;
      if (!p.verdict) p.verdict = { valid: answer.valid, reasons: answer.reasons.slice() };
      if (p.alert) {
        p.verdict.valid = false;
        answer.reasons.forEach(function (r) { if (p.verdict.reasons.indexOf(r) < 0 && labels[r]) p.verdict.reasons.push(r); });
      }
      if (!p.permitText && answer.registry && answer.registry.full_name) {
        p.holderName = answer.registry.full_name;
        p.verdict = { valid: answer.valid, reasons: answer.reasons.slice() };
      }
    });
  }

  function verifyPermit(p) {
    var opts = { at: new Date(p.at), commune: Number(d.commune), province: Number(d.province), holderIds: p.holderIds || null };
    if (!window.EpiqrPermit.available || !material) {
      // No WebCrypto (a page not served over HTTPS) or no lists yet: the server decides, online only.
      return Promise.resolve();
    }
    return window.EpiqrPermit.verify(p.permitText, material, opts).then(function (v) {
      p.verdict = v;
      if (v.claim) { p.permit = v.claim.serial; p.holderId = v.claim.holderId; p.holderName = v.claim.holderName; p.plate = v.claim.plate; }
    });
  }

  function startPermit(text) {
    commitPending();
    var p = { clientId: uuid(), at: new Date().toISOString(), permitText: text, verdict: null, direction: direction };
    pending = p;
    shown = p;
    var started = performance.now();
    verifyPermit(p).then(function () {
      p.localMs = Math.round(performance.now() - started);
      verdictBox.dataset.ms = String(p.localMs);
      render(p);
      return askRegistry(p);
    }).then(function () {
      if (!p.verdict) p.verdict = { valid: false, reasons: ["registry_unavailable"] };
      render(p);
    });
    clearTimeout(pendingTimer);
    pendingTimer = setTimeout(commitPending, PENDING_MS);
  }

  function card(text) {
    var ids = cardIds(text);
    if (pending && pending.permitText && !pending.cardChecked) {
      var p = pending;
      shown = p;
      p.cardChecked = true;
      p.cardText = text;
      p.holderIds = ids || [];
      verifyPermit(p).then(function () { render(p); return askRegistry(p); }).then(function () { render(p); commitPending(); });
      return;
    }
    commitPending();
    var q = { clientId: uuid(), at: new Date().toISOString(), cardText: text, verdict: null, direction: direction, holderId: ids ? ids[0] : "" };
    pending = q;
    shown = q;
    render(q);
    askRegistry(q).then(function () {
      if (!q.verdict) q.verdict = { valid: false, reasons: [] };
      if (q.registryAsked === false) q.verdict = { valid: false, reasons: ["registry_unavailable"] };
      render(q);
      commitPending();
    });
  }

  function commitPending() {
    clearTimeout(pendingTimer);
    var p = pending;
    pending = null;
    if (!p || p.committed || !p.verdict) return;
    p.committed = true;
    var item = {
      client_id: p.clientId, checkpoint: d.checkpoint, at: p.at, direction: p.direction,
      outcome: p.verdict.valid ? "valid" : "not_valid",
      reasons: p.verdict.reasons.filter(function (r) { return r !== "registry_unavailable"; }),
      permit: p.permit || null, plate: (p.plate || "").slice(0, 12), holder_id: (p.holderId || "").slice(0, 20),
      holder_name: (p.holderName || (p.registry && p.registry.full_name) || "").slice(0, 120), alert: !!p.alert
    };
    queue.push(item);
    save("queue", queue);
    logged.unshift({ at: item.at, outcome: item.outcome, name: item.holder_name, permit: item.permit, reasons: item.reasons, alert: item.alert });
    logged = logged.slice(0, 50);
    save("log", logged);
    bump(item);
    drawLog();
    sync();
  }

  function bump(item) {
    var id = item.outcome === "valid" ? "count-valid" : "count-not-valid";
    var el = document.getElementById(id);
    el.textContent = String(Number(el.textContent) + 1);
    if (item.alert) { var red = document.getElementById("count-red"); red.textContent = String(Number(red.textContent) + 1); }
  }

  function drawLog() {
    logList.innerHTML = logged.slice(0, 20).map(function (e) {
      var t = new Date(e.at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
      return "<li><span class='pill " + (e.outcome === "valid" ? "ok" : "bad") + "'>" +
        esc(e.outcome === "valid" ? words.valid : words.not_valid) + "</span> " + t + " " + esc(e.name || "") +
        (e.permit ? " · " + e.permit : "") + (e.reasons.length ? " · " + esc(e.reasons.map(function (r) { return labels[r] || r; }).join(", ")) : "") + "</li>";
    }).join("");
  }

  var syncing = false;
  function sync() {
    showNet();
    if (syncing || !queue.length || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var batch = queue.slice(0, 200);
    return post(d.syncUrl, { items: batch }).then(function (r) {
      if (r.status === 401 || r.status === 403) { netBox.textContent = words.login_again; throw r; }
      if (!r.ok) throw r;
      return r.json();
    }).then(function (answer) {
      var done = {};
      answer.items.forEach(function (it) { done[it.client_id] = true; });  // stored, duplicate or refused for good
      queue = queue.filter(function (it) { return !done[it.client_id]; });
      save("queue", queue);
    }).catch(function () { /* kept: tried again when the network comes back */ }).then(function () {
      syncing = false;
      showNet();
      if (queue.length && navigator.onLine && batch.length === 200) return sync();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    input.value = "";
    input.focus();
    if (!text) return;
    if (text.indexOf("GD1:") === 0) startPermit(text); else card(text);
  });
  document.querySelectorAll("input[name=direction]").forEach(function (radio) {
    radio.checked = radio.value === direction;
    radio.addEventListener("change", function () { direction = radio.value; save("direction", direction); if (pending) pending.direction = direction; });
  });
  document.getElementById("done-button").addEventListener("click", function () { commitPending(); input.focus(); });
  window.addEventListener("online", function () { refreshMaterial().then(sync); });
  window.addEventListener("offline", showNet);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") commitPending(); });
  setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);
  setInterval(function () { if (navigator.onLine) refreshMaterial(); }, 10 * 60000);

  if ("serviceWorker" in navigator && d.swUrl) {
    navigator.serviceWorker.register(d.swUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // Keep this very page for a reload without network (see sw.js).
      var channel = new MessageChannel();
      channel.port1.onmessage = function (e) { root.dataset.offline = e.data && e.data.kept ? "1" : "0"; };
      registration.active.postMessage({ keep: location.href }, [channel.port2]);
    }).catch(function () { /* the page still works while it stays open */ });
  }
  drawLog();
  showNet();
  if (navigator.onLine) refreshMaterial().then(sync); else showNet();
  root.dataset.ready = "1";
})();
