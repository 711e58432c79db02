// Search-as-you-type for the submission form's "this replicates ..." field: fills the
// field's <datalist> with published innovations from the search API (value: the slug).
// Without this script the field is a plain input that takes a title, slug, page address or id.
(function () {
  "use strict";
  var input = document.querySelector("input[data-picker]");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  if (!list) { return; }
  var timer = null;
  var last = "";
  function fill(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.slug;
      option.label = item.title;
      option.textContent = item.title;
      list.appendChild(option);
    });
  }
  function lookup() {
    var q = input.value.trim();
    if (q.length < 2 || q === last || q.indexOf("/") !== -1) { return; }
    last = q;
    fetch("/api/v1/innovations?per_page=8&q=" + encodeURIComponent(q), {
      headers: { "Accept": "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { if (input.value.trim() === q) { fill(body.results || []); } })
      .catch(function () { /* the plain input still works */ });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 250);
  });
}());
