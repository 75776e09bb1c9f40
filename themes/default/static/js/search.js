// Search page: runs the query in ?q= against the site's Pagefind index and
// lists the matching pages. The index is loaded from the site's own base path
// (the form's data-pagefind attribute), so it works under a sub-path; nothing
// is requested from another origin. Without JavaScript the page explains
// where else to look.
(function () {
  "use strict";
  var form = document.querySelector("form.search-form[data-pagefind]");
  if (!form) { return; }
  var input = form.querySelector("input[type=search]");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var bundle = form.getAttribute("data-pagefind");
  var loading = null;
  var latest = 0;
  var MAX = 20;

  function pagefind() {
    if (!loading) {
      loading = import(bundle).then(function (pf) {
        return Promise.resolve(pf.options({ excerptLength: 28 }))
          .then(function () { return pf.init ? pf.init() : null; })
          .then(function () { return pf; });
      });
    }
    return loading;
  }

  // Copies Pagefind's excerpt (text with <mark> around matches) into `parent`
  // as text nodes and <mark> elements only: no markup from the index is
  // inserted as HTML.
  function appendExcerpt(parent, html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var source = doc.body.firstChild;
    if (!source) { return; }
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        var m = document.createElement("mark");
        m.textContent = node.textContent;
        parent.appendChild(m);
      } else {
        parent.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  function show(query, items, total) {
    results.textContent = "";
    items.forEach(function (data) {
      var li = document.createElement("li");
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = data.url;
      a.textContent = (data.meta && data.meta.title) || data.url;
      h.appendChild(a);
      li.appendChild(h);
      if (data.excerpt) {
        var p = document.createElement("p");
        appendExcerpt(p, data.excerpt);
        li.appendChild(p);
      }
      results.appendChild(li);
    });
    if (total === 0) {
      status.textContent = "No results for \u201c" + query + "\u201d. Try a shorter or different word.";
    } else {
      status.textContent = total + (total === 1 ? " result" : " results") + " for \u201c" + query + "\u201d" +
        (total > items.length ? ", showing the first " + items.length + "." : ".");
    }
  }

  function run(query) {
    var id = ++latest;
    query = query.trim();
    results.textContent = "";
    if (!query) { status.textContent = ""; return; }
    status.textContent = "Searching for \u201c" + query + "\u201d\u2026";
    pagefind()
      .then(function (pf) { return pf.search(query); })
      .then(function (search) {
        var found = search ? search.results : [];
        return Promise.all(found.slice(0, MAX).map(function (r) { return r.data(); }))
          .then(function (items) { if (id === latest) { show(query, items, found.length); } });
      })
      .catch(function () {
        if (id === latest) {
          status.textContent = "Search is not available right now. Please browse the topics instead.";
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    var url = new URL(window.location.href);
    url.searchParams.set("q", query);
    window.history.replaceState(null, "", url.toString());
    run(query);
  });

  var q = new URLSearchParams(window.location.search).get("q") || "";
  input.value = q;
  if (q) { run(q); }
})();
