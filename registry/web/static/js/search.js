// Progressive enhancement for the search page (it works without it): on a wide screen the
// filters are open beside the results; a ticked or unticked filter applies at once.
(function () {
  "use strict";

  function setup() {
    var filters = document.getElementById("filters");
    if (!filters) return;
    var wide = window.matchMedia("(min-width: 64rem)");
    if (wide.matches) filters.open = true;
    var form = filters.closest("form");
    filters.addEventListener("change", function (event) {
      if (!form || event.target.type !== "checkbox") return;
      var page = form.querySelector("input[name=page]");
      if (page) page.remove();
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
