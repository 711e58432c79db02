// Progressive enhancement for the submission and sign-up forms (the forms work without it):
// the regency list follows the chosen province, and similar innovations are shown while the
// title and summary are typed ("is this yours already?").
(function () {
  "use strict";

  function filterRegencies(province, regency) {
    var code = province.value;
    var groups = regency.querySelectorAll("optgroup");
    groups.forEach(function (group) {
      var match = code && group.label.split(" ")[0] === code;
      group.hidden = !match;
      group.disabled = !match;
    });
    var chosen = regency.options[regency.selectedIndex];
    if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) {
      regency.value = "";
    }
  }

  function setupRegions() {
    var province = document.getElementById("province");
    var regency = document.getElementById("regency");
    if (!province || !regency) return;
    filterRegencies(province, regency);
    province.addEventListener("change", function () { filterRegencies(province, regency); });
  }

  function setupSimilar() {
    var form = document.querySelector("form[data-similar-url]");
    var box = document.getElementById("similar");
    if (!form || !box) return;
    var title = document.getElementById("title");
    var summary = document.getElementById("summary");
    var list = box.querySelector("ul");
    var timer = null;
    var last = "";

    function render(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = item.title;
        li.appendChild(a);
        if (item.innovator_name) {
          li.appendChild(document.createTextNode(" · " + item.innovator_name));
        }
        list.appendChild(li);
      });
      box.hidden = items.length === 0;
    }

    function lookup() {
      var params = new URLSearchParams({
        title: title ? title.value : "",
        summary: summary ? summary.value.slice(0, 300) : ""
      });
      var key = params.toString();
      if (key === last) return;
      last = key;
      fetch(form.getAttribute("data-similar-url") + "?" + key, {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(render)
        .catch(function () { /* suggestions are optional */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(lookup, 400);
    }
    if (title) title.addEventListener("input", later);
    if (summary) summary.addEventListener("input", later);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupRegions();
    setupSimilar();
  });
})();
