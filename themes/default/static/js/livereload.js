// careleaf serve: reload the page when a rebuild finished, show build errors.
// Injected only by `careleaf serve`; never part of a built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/livereload\.js.*$/, "") : "/__careleaf/";
  function connect() {
    var source = new EventSource(base + "events");
    source.addEventListener("reload", function () { window.location.reload(); });
    source.onerror = function () { source.close(); setTimeout(connect, 1000); };
  }
  if (window.EventSource && !window.__careleafLiveReload) {
    window.__careleafLiveReload = true;
    connect();
  }
  // The error overlay (present only while the last rebuild failed): move
  // focus to it so screen readers announce it; Dismiss or Escape hides it
  // until the next rebuild.
  function overlay() { return document.getElementById("careleaf-error"); }
  function dismiss() {
    var o = overlay();
    if (o) { o.parentNode.removeChild(o); }
  }
  function ready() {
    var o = overlay();
    if (!o) { return; }
    o.focus();
    var button = o.querySelector("[data-careleaf-dismiss]");
    if (button) { button.addEventListener("click", dismiss); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && overlay()) { dismiss(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
