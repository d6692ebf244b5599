/* EpiQR movement permit verifier for the browser: the contract of checkpoints/permit_code.py and the
   rules of checkpoints/rules.py, with WebCrypto (ECDSA P-256 / SHA-256), so that a checkpoint phone
   verifies with the cached trust list and revocation list and no network.

   window.EpiqrPermit.verify(text, material, {at: Date, commune, province, holderIds: [..] | null})
     -> Promise<{valid, reasons: [...codes], claim, kid}>
   material: {trust: <trust list JSON>, revocations: <revocation list JSON>} as /trust/permit/*.json serve.
   Reason codes and their order are those of rules.Reason. Vietnam has no daylight saving time, so local
   time is UTC+7 whatever zone the phone is set to. */
(function () {
  "use strict";
  var PREFIX = "GD1:";
  var CONTEXT = new TextEncoder().encode("EpiQR movement permit v1\u0000");
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var EPOCH = Date.UTC(2020, 0, 1);
  var DAY = 86400000;
  var VN_OFFSET = 7 * 3600000;

  function fail(code, why) { var e = new Error(why); e.code = code; return e; }

  function b45decode(text) {
    var out = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.substr(i, 3), n = 0;
      for (var j = chunk.length - 1; j >= 0; j--) {
        var v = B45.indexOf(chunk[j]);
        if (v < 0) throw fail("malformed", "not base45");
        n = n * 45 + v;
      }
      if (chunk.length === 3) {
        if (n > 0xffff) throw fail("malformed", "not base45");
        out.push(n >> 8, n & 0xff);
      } else if (chunk.length === 2) {
        if (n > 0xff) throw fail("malformed", "not base45");
        out.push(n);
      } else { throw fail("malformed", "not base45"); }
    }
    return new Uint8Array(out);
  }

  /* The CBOR subset the permit uses: unsigned and negative integers, byte and text strings, arrays. */
  function cborDecode(bytes) {
    var pos = 0;
    function need(n) { if (pos + n > bytes.length) throw fail("malformed", "truncated"); }
    function uint(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) throw fail("malformed", "bad length");
      need(size);
      var n = 0;
      for (var i = 0; i < size; i++) n = n * 256 + bytes[pos++];
      if (n > Number.MAX_SAFE_INTEGER) throw fail("malformed", "too big");
      return n;
    }
    function item(depth) {
      if (depth > 3) throw fail("malformed", "too deep");
      need(1);
      var head = bytes[pos++], major = head >> 5, n = uint(head & 31);
      if (major === 0) return n;
      if (major === 1) return -1 - n;
      if (major === 2) { need(n); var b = bytes.slice(pos, pos + n); pos += n; return b; }
      if (major === 3) {
        need(n); var t = new TextDecoder("utf-8", { fatal: true }).decode(bytes.slice(pos, pos + n)); pos += n; return t;
      }
      if (major === 4) {
        if (n > 64) throw fail("malformed", "too long");
        var arr = [];
        for (var i = 0; i < n; i++) arr.push(item(depth + 1));
        return arr;
      }
      throw fail("malformed", "unsupported CBOR");
    }
    var value = item(0);
    if (pos !== bytes.length) throw fail("malformed", "trailing bytes");
    return value;
  }

  function isInt(v, lo, hi) { return typeof v === "number" && Math.floor(v) === v && v >= lo && v <= hi; }

  function decode(text) {
    if (typeof text !== "string") throw fail("not_a_permit", "not text");
    text = text.trim();
    if (text.indexOf(PREFIX) !== 0) throw fail("not_a_permit", "not a movement permit");
    if (text.length > 600) throw fail("malformed", "too long");
    var raw = b45decode(text.slice(PREFIX.length));
    if (raw.length <= 64) throw fail("malformed", "too short");
    var message = raw.slice(0, raw.length - 64), signature = raw.slice(raw.length - 64);
    var f = cborDecode(message);
    if (!Array.isArray(f) || f.length !== 12) throw fail("malformed", "wrong number of fields");
    if (!(f[0] instanceof Uint8Array) || f[0].length < 1 || f[0].length > 16) throw fail("malformed", "bad key id");
    var holder;
    if (typeof f[2] === "number" && isInt(f[2], 10, Number.MAX_SAFE_INTEGER)) holder = String(f[2]).slice(1);
    else if (typeof f[2] === "string" && f[2].length > 0 && f[2].length <= 20) holder = f[2];
    else throw fail("malformed", "bad holder");
    if (!isInt(f[1], 1, Number.MAX_SAFE_INTEGER) || typeof f[3] !== "string" || !isInt(f[4], 0, 23) ||
        !isInt(f[5], 0, 65535) || !isInt(f[6], 0, 65535) || !isInt(f[7], 1, 127) || !isInt(f[8], 0, 1439) ||
        !isInt(f[9], 0, 1440) || !Array.isArray(f[10]) || typeof f[11] !== "string") {
      throw fail("malformed", "bad field");
    }
    var area = f[10];
    for (var i = 0; i < area.length; i++) if (!isInt(area[i], -999, 999999)) throw fail("malformed", "bad area");
    return {
      kid: f[0], message: message, signature: signature,
      claim: {
        serial: f[1], holderId: holder, holderName: f[3], purpose: f[4], validFrom: f[5], validUntil: f[6],
        weekdays: f[7], start: f[8], end: f[9],
        provinces: area.filter(function (c) { return c < 0; }).map(function (c) { return -c; }),
        communes: area.filter(function (c) { return c > 0; }), plate: f[11]
      }
    };
  }

  function b64(bytes) { var s = ""; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return btoa(s); }
  function concat(a, b) { var out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; }

  var keyCache = {};
  function importKey(entry) {
    var id = entry.kid;
    if (!keyCache[id]) {
      var jwk = { kty: "EC", crv: "P-256", x: entry.jwk.x, y: entry.jwk.y, ext: true };
      keyCache[id] = crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    }
    return keyCache[id];
  }

  function revocationDigest(serial) {
    var data = new TextEncoder().encode(String(serial).trim().toUpperCase());
    return crypto.subtle.digest("SHA-256", data).then(function (h) { return b64(new Uint8Array(h).slice(0, 16)); });
  }

  /* (day number of the window `ms` falls in, whether it falls in the hours) - rules.window_day */
  function windowDay(claim, ms) {
    var local = ms + VN_OFFSET, day = Math.floor((local - EPOCH) / DAY);
    var minute = Math.floor((local - (EPOCH + day * DAY)) / 60000);
    var s = claim.start, e = claim.end;
    if (s === e || (s === 0 && e === 1440)) return [day, true];
    if (s < e) return [day, s <= minute && minute < e];
    if (minute >= s) return [day, true];
    if (minute < e) return [day - 1, true];
    return [day, false];
  }

  function check(claim, opts, revoked) {
    var reasons = [];
    if (revoked) reasons.push("revoked");
    var w = windowDay(claim, opts.at.getTime()), day = w[0];
    if (day < claim.validFrom) reasons.push("not_yet_valid");
    else if (day > claim.validUntil) reasons.push("expired");
    var weekday = (new Date(EPOCH + day * DAY).getUTCDay() + 6) % 7;  // Monday 0, as Python
    if (!((claim.weekdays >> weekday) & 1)) reasons.push("wrong_weekday");
    if (!w[1]) reasons.push("outside_hours");
    if (claim.provinces.length || claim.communes.length) {
      var inside = (opts.province != null && claim.provinces.indexOf(opts.province) >= 0) ||
                   (opts.commune != null && claim.communes.indexOf(opts.commune) >= 0);
      if (!inside) reasons.push("outside_area");
    }
    if (opts.holderIds) {
      var ids = opts.holderIds.map(function (h) { return String(h).trim().toUpperCase(); });
      if (ids.indexOf(claim.holderId) < 0) reasons.push("holder_mismatch");
    }
    return reasons;
  }

  function verify(text, material, opts) {
    var signed;
    try { signed = decode(text); } catch (e) {
      return Promise.resolve({ valid: false, reasons: [e.code === "not_a_permit" ? "not_a_permit" : "forged"], claim: null, why: e.message });
    }
    var kid = b64(signed.kid);
    var entry = ((material.trust && material.trust.keys) || []).filter(function (k) { return k.kid === kid; })[0];
    if (!entry) return Promise.resolve({ valid: false, reasons: ["forged"], claim: null, kid: kid, why: "unknown key" });
    return importKey(entry).then(function (key) {
      return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signed.signature, concat(CONTEXT, signed.message));
    }).then(function (good) {
      if (!good) return { valid: false, reasons: ["forged"], claim: null, kid: kid, why: "bad signature" };
      return revocationDigest(signed.claim.serial).then(function (digest) {
        var entries = (material.revocations && material.revocations.entries) || [];
        var revoked = entries.some(function (e) { return e.digest === digest; });
        var reasons = check(signed.claim, opts, revoked);
        return { valid: reasons.length === 0, reasons: reasons, claim: signed.claim, kid: kid };
      });
    });
  }

  window.EpiqrPermit = { decode: decode, verify: verify, available: !!(window.crypto && window.crypto.subtle) };
})();
