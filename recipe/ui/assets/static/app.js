// recipekit UI: live job updates and keyboard navigation. The pages work
// without this script; it only adds to them.
"use strict";

(function () {
  // Live updates: a job page of a job still running listens to the
  // server's events and reloads its main content when the job changes.
  function refresh() {
    return fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var main = document.getElementById("main");
        if (fresh && main) {
          main.replaceChildren.apply(main, Array.from(fresh.childNodes).map(function (n) { return document.importNode(n, true); }));
        }
      });
  }

  function live() {
    var box = document.getElementById("live");
    if (!box || !box.dataset.live || !window.EventSource) { return; }
    var es = new EventSource(box.dataset.live);
    var first = true;
    es.addEventListener("update", function () {
      if (first) { first = false; return; } // the page already shows this state
      refresh();
    });
    es.addEventListener("done", function () { es.close(); refresh(); });
    es.addEventListener("gone", function () { es.close(); });
  }

  // Keyboard: "/" focuses the search box; "j" and "k" move through the job
  // links of a list; Enter on a focused link opens it (the browser does).
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) { return; }
    if (ev.key === "/") {
      var q = document.getElementById("q");
      if (q) { ev.preventDefault(); q.focus(); q.select(); }
      return;
    }
    if (ev.key !== "j" && ev.key !== "k") { return; }
    var links = Array.from(document.querySelectorAll("[data-nav] a.job-link"));
    if (links.length === 0) { return; }
    ev.preventDefault();
    var i = links.indexOf(document.activeElement);
    if (ev.key === "j") { i = i < 0 ? 0 : Math.min(i + 1, links.length - 1); }
    else { i = i < 0 ? 0 : Math.max(i - 1, 0); }
    links[i].focus();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", live);
  } else {
    live();
  }
})();
