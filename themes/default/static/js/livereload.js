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
  if (window.EventSource) { connect(); }
})();
