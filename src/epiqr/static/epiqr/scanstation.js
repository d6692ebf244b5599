/* EpiQR scan station: a keyboard-wedge scanner types the payload and Enter into an always-focused
   input; a camera button reads codes with the browser's BarcodeDetector where it exists, else takes a
   photo the server decodes. Markup contract:
     <form data-scanstation [data-photo-url="..."]> <input name="payload" data-scan-input> ...
       <button type="button" data-scan-camera> <input type="file" accept="image/*" capture data-scan-photo hidden>
   The form is submitted (htmx if it has hx-post, else normally) once per Enter. After each result the
   input is cleared and refocused, so the technician never touches the mouse. */
(function () {
  "use strict";
  function submit(form) {
    if (window.htmx && (form.getAttribute("hx-post") || form.getAttribute("hx-get"))) {
      window.htmx.trigger(form, "submit");
    } else if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
  function setup(form) {
    var input = form.querySelector("[data-scan-input]");
    if (!input) return;
    var keepFocus = function () {
      var active = document.activeElement;
      if (active && active !== input && active.closest && active.closest("[data-scan-keepout]")) return;
      if (active && (active.tagName === "INPUT" || active.tagName === "SELECT" || active.tagName === "TEXTAREA") && active !== input) return;
      input.focus();
    };
    input.focus();
    document.addEventListener("click", function () { setTimeout(keepFocus, 0); });
    setInterval(keepFocus, 1500);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        if (input.value.trim() === "") return;
        submit(form);
      }
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail && e.detail.elt === form) { input.value = ""; input.focus(); }
    });
    var cameraBtn = form.querySelector("[data-scan-camera]");
    var photo = form.querySelector("[data-scan-photo]");
    if (cameraBtn) {
      cameraBtn.addEventListener("click", function () {
        if ("BarcodeDetector" in window && navigator.mediaDevices) {
          scanWithDetector(input, form, cameraBtn);
        } else if (photo) { photo.click(); }
      });
    }
    if (photo) {
      photo.addEventListener("change", function () {
        if (!photo.files.length) return;
        var data = new FormData();
        data.append("photo", photo.files[0]);
        var csrf = form.querySelector("[name=csrfmiddlewaretoken]");
        fetch(form.getAttribute("data-photo-url"), { method: "POST", body: data, headers: csrf ? { "X-CSRFToken": csrf.value } : {} })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            if (body.codes && body.codes.length) { input.value = body.codes[0]; submit(form); }
            else { alert(body.detail || "Không đọc được mã / No code found"); }
          });
        photo.value = "";
      });
    }
  }
  function scanWithDetector(input, form, button) {
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.className = "scan-video";
    button.after(video);
    var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128", "data_matrix"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.remove(); };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { stop(); input.value = codes[0].rawValue; submit(form); }
          else { requestAnimationFrame(tick); }
        }).catch(function () { requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { video.remove(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-scanstation]").forEach(setup);
  });
})();
