// Search page: loads the site's search index and lists matching articles.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) { return; }
  var input = form.querySelector("input[type=search]");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var params = new URLSearchParams(window.location.search);
  var q = params.get("q") || "";
  input.value = q;
  if (q) { status.textContent = "Searching…"; }
})();
