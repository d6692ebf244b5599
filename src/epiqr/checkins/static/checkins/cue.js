/* The sound (and vibration) that tells the queue whether a check-in or scan went through.
   Reads the element marked data-cue="ok|bad|warn" (or data-result on the scan station). */
(function () {
  "use strict";
  var el = document.querySelector("[data-cue], [data-result]");
  if (!el) return;
  var station = !el.hasAttribute("data-cue");  // the scan station: shorter, louder, no vibration
  var ok = (el.getAttribute("data-cue") || el.getAttribute("data-result")) === "ok";
  try {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) {
      var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = ok ? 880 : (station ? 200 : 220);
      osc.connect(gain);
      gain.connect(ctx.destination);
      gain.gain.value = station ? 1 : 0.2;
      osc.start();
      osc.stop(ctx.currentTime + (station ? (ok ? 0.15 : 0.6) : (ok ? 0.25 : 0.7)));
    }
    if (!station && navigator.vibrate) navigator.vibrate(ok ? 100 : [300, 100, 300]);
  } catch (e) { /* no sound on this device: the colour still says it */ }
})();
