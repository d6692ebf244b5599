/* The certificate verifier without a network: the page keeps the published trust list and revocation
   list (localStorage) each time it is opened online; offline, a submitted HC1: code is checked here with
   the same steps as the server (vaccination/dcc.py): base45, zlib (DecompressionStream), CBOR, the
   COSE_Sign1 ES256 signature with WebCrypto, the validity period and the revocation digests.
   Markup contract: <form data-offline-verify data-keys-url=... data-revocations-url=...> with an input
   name="code", and an element [data-offline-verdict] where the verdict is written. */
(function () {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var STORE = "epiqr.dcc.trust";

  function b45decode(text) {
    var out = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.slice(i, i + 3), n = 0;
      for (var j = chunk.length - 1; j >= 0; j--) {
        var v = ALPHABET.indexOf(chunk[j]);
        if (v < 0) throw new Error("malformed");
        n = n * 45 + v;
      }
      if (chunk.length === 3) { if (n > 65535) throw new Error("malformed"); out.push(n >> 8, n & 255); }
      else if (chunk.length === 2) { if (n > 255) throw new Error("malformed"); out.push(n); }
      else throw new Error("malformed");
    }
    return new Uint8Array(out);
  }

  function inflate(bytes) {
    if (bytes[0] !== 0x78) return Promise.resolve(bytes);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  function cborDecode(bytes) {
    var pos = 0;
    function length(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) throw new Error("malformed");
      var n = 0;
      for (var i = 0; i < size; i++) n = n * 256 + bytes[pos++];
      return n;
    }
    function item() {
      if (pos >= bytes.length) throw new Error("malformed");
      var first = bytes[pos++], major = first >> 5, info = first & 31, n, out, i;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22 || info === 23) return null;
        if (info === 25 || info === 26 || info === 27) {
          var size = { 25: 2, 26: 4, 27: 8 }[info], view = new DataView(bytes.buffer, bytes.byteOffset + pos, size);
          pos += size;
          return size === 4 ? view.getFloat32(0) : size === 8 ? view.getFloat64(0) : view.getUint16(0);
        }
        throw new Error("malformed");
      }
      if (info === 31) throw new Error("malformed"); // indefinite lengths are not used by a DCC issuer we accept here
      n = length(info);
      if (major === 0) return n;
      if (major === 1) return -1 - n;
      if (major === 2) { out = bytes.slice(pos, pos + n); pos += n; return out; }
      if (major === 3) { out = new TextDecoder().decode(bytes.slice(pos, pos + n)); pos += n; return out; }
      if (major === 4) { out = []; for (i = 0; i < n; i++) out.push(item()); return out; }
      if (major === 5) { out = new Map(); for (i = 0; i < n; i++) { var k = item(); out.set(k, item()); } return out; }
      if (major === 6) return { tag: n, value: item() };
      throw new Error("malformed");
    }
    return item();
  }

  function head(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 256) return [(major << 5) | 24, n];
    return [(major << 5) | 25, n >> 8, n & 255];
  }
  function sigStructure(protectedBytes, payload) {
    var parts = [].concat(head(4, 4), head(3, 10), Array.from(new TextEncoder().encode("Signature1")),
      head(2, protectedBytes.length), Array.from(protectedBytes), head(2, 0), head(2, payload.length).concat([]));
    var out = new Uint8Array(parts.length + payload.length);
    out.set(parts, 0); out.set(payload, parts.length);
    return out;
  }
  function b64(bytes) { var s = ""; bytes.forEach(function (b) { s += String.fromCharCode(b); }); return btoa(s); }
  function plain(value) {
    if (value instanceof Map) { var o = {}; value.forEach(function (v, k) { o[k] = plain(v); }); return o; }
    if (Array.isArray(value)) return value.map(plain);
    return value;
  }

  function verify(code, trust, now) {
    var text = (code || "").trim();
    if (text.indexOf("HC1:") !== 0) return Promise.resolve({ reason: "malformed" });
    var decoded;
    try { decoded = b45decode(text.slice(4)); } catch (e) { return Promise.resolve({ reason: "malformed" }); }
    return inflate(decoded).then(function (raw) {
      var cose = cborDecode(raw);
      while (cose && cose.tag !== undefined) cose = cose.value;
      if (!Array.isArray(cose) || cose.length !== 4) return { reason: "malformed" };
      var protectedBytes = cose[0], unprotected = cose[1], payload = cose[2], signature = cose[3];
      var header = protectedBytes.length ? cborDecode(protectedBytes) : new Map();
      var kid = header.get(4) || (unprotected instanceof Map ? unprotected.get(4) : null);
      var claims = cborDecode(payload);
      var hcert = plain(claims.get(-260).get(1));
      var verdict = { hcert: hcert, exp: claims.get(4), iat: claims.get(6) };
      var entry = kid && trust.keys.find(function (k) { return k.kid === b64(kid); });
      if (!entry) { verdict.reason = kid && trust.withdrawn.indexOf(b64(kid)) >= 0 ? "withdrawn_key" : "unknown_key"; return verdict; }
      return crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: entry.jwk.x, y: entry.jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, sigStructure(protectedBytes, payload)); })
        .then(function (ok) {
          if (!ok) { verdict.reason = "bad_signature"; return verdict; }
          var seconds = now / 1000;
          if (!verdict.exp || seconds > verdict.exp) { verdict.reason = "expired"; return verdict; }
          if (verdict.iat > seconds + 300) { verdict.reason = "not_yet_valid"; return verdict; }
          var entries = hcert.v || hcert.t || hcert.r || [];
          var ids = entries.map(function (e) { return String(e.ci || "").trim().toUpperCase(); }).filter(Boolean);
          return Promise.all(ids.map(function (id) { return crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)); }))
            .then(function (digests) {
              var revoked = digests.some(function (d) { return trust.revoked.indexOf(b64(new Uint8Array(d).slice(0, 16))) >= 0; });
              verdict.reason = revoked ? "revoked" : "valid";
              return verdict;
            });
        });
    }).catch(function () { return { reason: "malformed" }; });
  }

  function load(form) {
    var keysUrl = form.getAttribute("data-keys-url"), revUrl = form.getAttribute("data-revocations-url");
    return Promise.all([fetch(keysUrl).then(function (r) { return r.json(); }), fetch(revUrl).then(function (r) { return r.json(); })])
      .then(function (lists) {
        var trust = { keys: lists[0].keys, withdrawn: lists[0].withdrawn || [], revoked: lists[1].entries.map(function (e) { return e.digest; }), at: Date.now() };
        localStorage.setItem(STORE, JSON.stringify(trust));
        return trust;
      })
      .catch(function () { return JSON.parse(localStorage.getItem(STORE) || "null"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-offline-verify]");
    if (!form || !window.crypto || !crypto.subtle) return;
    var out = document.querySelector("[data-offline-verdict]");
    var trustReady = load(form);
    form.addEventListener("submit", function (e) {
      if (navigator.onLine) return; // online: the server answers, with its own lists
      e.preventDefault();
      var code = form.querySelector("[name=code]").value;
      trustReady.then(function (trust) {
        if (!trust) { out.textContent = out.getAttribute("data-no-list"); return; }
        return verify(code, trust, Date.now()).then(function (v) {
          var label = out.getAttribute("data-reason-" + v.reason) || v.reason;
          var who = v.hcert && v.hcert.nam ? " — " + (v.hcert.nam.fn || "") + " " + (v.hcert.nam.gn || "") + " · " + (v.hcert.dob || "") : "";
          out.textContent = label + who;
          out.setAttribute("data-verdict", v.reason);
          out.className = "card verdict " + (v.reason === "valid" ? "ok" : "bad");
        });
      });
    });
  });
})();
