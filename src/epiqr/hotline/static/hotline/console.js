/* The 1022 console and request pages, driven by the keyboard (a headset and a keyboard, no mouse).

   Shortcut keys are declared in the templates, not here: an element with data-key="x" is what key x
   does when the cursor is not in a text field (a field or select is focused, a link or button is
   pressed); data-focus="#id" on a button makes its key choose that action and put the cursor in the
   text field, where Ctrl+Enter then does it. In a call, keys 1..8 pick the category (the radios carry
   data-key) and move to the request; Ctrl+Enter files it. Esc leaves a text field; outside one it
   follows data-key="Escape". j / k (or the arrows) move between the queue's rows ([data-nav-item]).
   The list of keys the operator sees is templates/hotline/_shortcuts.html.
*/
(function () {
  "use strict";

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["radio", "checkbox", "button", "submit", "reset"].indexOf(el.type) === -1;
  }

  function visible(el) {
    // checkVisibility() also says no for the content of a closed <details>, which has boxes
    if (el.checkVisibility) return el.checkVisibility();
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  function byKey(key) {
    var all = document.querySelectorAll("[data-key]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-key") === key && visible(all[i])) return all[i];
    }
    return null;
  }

  var help = document.getElementById("hl-help");
  function showHelp() {
    if (help && !help.open && help.showModal) help.showModal();
  }

  var callForm = document.getElementById("hl-callform");
  var textForm = document.getElementById("hl-textform");
  var routes = {};
  var teamTouched = false;
  if (callForm) {
    try {
      routes = JSON.parse(callForm.getAttribute("data-routes") || "{}");
    } catch (e) {
      routes = {};
    }
  }

  function routeTeam(category) {
    if (!callForm || teamTouched) return;
    var team = callForm.querySelector("select[name=team]");
    if (team && routes[category] !== undefined) team.value = String(routes[category]);
  }

  function pickCategory(radio) {
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    var description = callForm.querySelector("textarea[name=description]");
    if (description) description.focus();
  }

  function choose(button) {
    var form = button.form;
    if (!form) return;
    form.querySelectorAll("[data-chosen]").forEach(function (b) {
      b.removeAttribute("data-chosen");
      b.classList.remove("chosen");
    });
    button.setAttribute("data-chosen", "");
    button.classList.add("chosen");
    var target = document.querySelector(button.getAttribute("data-focus"));
    if (target) target.focus();
  }

  function submitChosen(form) {
    var button = form.querySelector("[data-chosen]");
    if (!button) {
      var wanted = form.getAttribute("data-default-action");
      button = form.querySelector('button[name=action][value="' + wanted + '"]');
    }
    if (form.requestSubmit) form.requestSubmit(button || undefined);
    else if (button) button.click();
    else form.submit();
  }

  function moveInList(current, step) {
    var items = Array.prototype.filter.call(document.querySelectorAll("[data-nav-item]"), visible);
    var at = items.indexOf(current);
    var next = items[Math.min(items.length - 1, Math.max(0, at + step))];
    if (next) next.focus();
  }

  document.addEventListener("keydown", function (event) {
    var el = document.activeElement;
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && key === "Enter") {
      if (callForm && callForm.contains(el)) {
        event.preventDefault();
        var file = document.getElementById("hl-file");
        if (callForm.requestSubmit) callForm.requestSubmit(file);
        else file.click();
      } else if (textForm && textForm.contains(el)) {
        event.preventDefault();
        submitChosen(textForm);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (help && help.open) return; // the dialog has its own keys (Esc closes it)
    if (key === "Escape") {
      if (isTyping(el)) {
        el.blur();
        event.preventDefault();
        return;
      }
      var back = byKey("Escape");
      if (back) {
        event.preventDefault();
        back.click();
      }
      return;
    }
    if (isTyping(el)) return;
    if (el && el.hasAttribute && el.hasAttribute("data-nav-item")) {
      if (key === "j" || key === "ArrowDown") {
        event.preventDefault();
        moveInList(el, 1);
        return;
      }
      if (key === "k" || key === "ArrowUp") {
        event.preventDefault();
        moveInList(el, -1);
        return;
      }
    }
    if (key === "?") {
      event.preventDefault();
      showHelp();
      return;
    }
    if (callForm && /^[1-8]$/.test(key)) {
      var radio = callForm.querySelector('input[type=radio][data-key="' + key + '"]');
      if (radio) {
        event.preventDefault();
        pickCategory(radio);
        return;
      }
    }
    var target = byKey(key);
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute("data-focus")) {
      choose(target);
    } else if (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA") {
      target.focus();
      if (target.select && target.tagName === "INPUT") target.select();
    } else if (target.tagName === "A" && target.hasAttribute("data-nav-item")) {
      target.focus();
    } else {
      target.click();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".hl-helpbtn");
    if (button) {
      event.preventDefault();
      showHelp();
    }
  });

  if (callForm) {
    callForm.addEventListener("change", function (event) {
      var t = event.target;
      if (t.name === "team") teamTouched = true;
      if (t.name === "category" && t.checked) routeTeam(t.value);
    });
    var invalid = callForm.querySelector(".errorlist");
    var firstError = invalid && invalid.closest("label, fieldset");
    var field = firstError && firstError.querySelector("input:not([type=hidden]), textarea, select");
    if (field) {
      field.focus();
    } else {
      var checked = callForm.querySelector("input[name=category]:checked");
      var first = checked || callForm.querySelector("input[name=category]");
      if (checked) routeTeam(checked.value);
      if (first) first.focus();
    }
  }
  if (!callForm) {
    // autofocus is skipped by some browsers after a redirect; the console must start on the phone field
    var auto = document.querySelector("[autofocus]");
    if (auto && (document.activeElement === document.body || !document.activeElement)) auto.focus();
  }
  if (textForm) {
    var chosen = textForm.querySelector("[data-chosen]");
    if (chosen) choose(chosen);
  }
})();
