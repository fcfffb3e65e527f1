/* Desmigratif Info console: the only script. Live answer preview, "try a question" without leaving the
   page, and polling of the staff inbox. Every page works without it; it only saves reloads. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function send(url, body) {
    return fetch(url, {
      method: body ? "POST" : "GET", body: body || undefined, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "console" }
    }).then(function (response) {
      if (response.status === 401) { window.location.reload(); throw new Error("signed out"); }
      return response.text();
    });
  }

  function formBody(form, extra) {
    var data = new URLSearchParams(new FormData(form));
    if (extra) { new FormData(extra).forEach(function (value, key) { data.append(key, value); }); }
    return data;
  }

  /* The answer as Telegram and WhatsApp show it, redrawn a moment after each keystroke. */
  document.querySelectorAll("form[data-preview-url]").forEach(function (form) {
    var target = document.getElementById(form.getAttribute("data-preview-target"));
    var timer = null;
    function refresh() {
      send(form.getAttribute("data-preview-url"), formBody(form)).then(function (html) { target.innerHTML = html; })
        .catch(function () { /* the next keystroke tries again */ });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 350); });
    refresh();
  });

  /* Forms whose result is shown in place (try a question): the edit form's unsaved text goes along. */
  document.querySelectorAll("form[data-result]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = document.getElementById(form.getAttribute("data-result"));
      var companion = form.getAttribute("data-with") ? document.getElementById(form.getAttribute("data-with")) : null;
      target.setAttribute("aria-busy", "true");
      send(form.getAttribute("action"), formBody(form, companion)).then(function (html) {
        target.innerHTML = html;
        target.removeAttribute("aria-busy");
      });
    });
  });

  /* Parts of a page that other people change (the inbox, a transcript): fetched again every 2.5 s. */
  document.querySelectorAll("[data-poll-url]").forEach(function (box) {
    var last = null;
    function poll() {
      send(box.getAttribute("data-poll-url")).then(function (html) {
        if (html !== last) { last = html; box.innerHTML = html; }
      }).catch(function () {}).then(function () { setTimeout(poll, 2500); });
    }
    setTimeout(poll, 2500);
  });
})();
