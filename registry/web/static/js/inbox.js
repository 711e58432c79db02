// Progressive enhancement for the curator inbox (everything works without it): keyboard
// shortcuts and "select all". j/k move between candidates, x selects, a approves and r rejects
// the selected candidates (or the current one when none is selected), m goes to the merge
// fields, o or Enter opens the current candidate, / goes to the search box, ? shows the keys.
(function () {
  "use strict";

  function setup() {
    var form = document.getElementById("inbox-form");
    var cards = form ? Array.prototype.slice.call(form.querySelectorAll("[data-candidate]")) : [];
    var help = document.getElementById("inbox-keys");
    var current = -1;

    function checked() {
      return cards.filter(function (card) {
        var box = card.querySelector("input[name=ids]");
        return box && box.checked;
      });
    }

    function move(index) {
      if (!cards.length) return;
      index = Math.max(0, Math.min(cards.length - 1, index));
      if (current >= 0 && cards[current]) cards[current].removeAttribute("aria-current");
      current = index;
      var card = cards[current];
      card.setAttribute("aria-current", "true");
      card.focus();
      card.scrollIntoView({ block: "nearest" });
    }

    function currentCard() {
      return current >= 0 ? cards[current] : null;
    }

    function submitBulk(action) {
      var select = form.querySelector("select[name=action]");
      if (!select) return;
      select.value = action;
      var button = form.querySelector("button[name=bulk]");
      if (button) button.click();
    }

    function decide(action) {
      if (!form) return;
      if (checked().length) {
        submitBulk(action);
        return;
      }
      var card = currentCard();
      var button = card && card.querySelector(action === "approve" ? "[data-approve]" : "[data-reject]");
      if (button) button.click();
    }

    if (form) {
      var all = document.createElement("p");
      var box = document.createElement("input");
      var label = document.createElement("label");
      box.type = "checkbox";
      box.id = "pick-all";
      label.htmlFor = "pick-all";
      label.textContent = " " + (form.getAttribute("data-select-all") || "Pilih semua");
      all.appendChild(box);
      all.appendChild(label);
      var list = form.querySelector(".inbox-list");
      if (list) list.parentNode.insertBefore(all, list);
      box.addEventListener("change", function () {
        form.querySelectorAll("input[name=ids]").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "INPUT" && target.type !== "checkbox") return;
      if (tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      var card = currentCard();
      switch (event.key) {
        case "j":
          move(current + 1);
          break;
        case "k":
          move(current < 0 ? 0 : current - 1);
          break;
        case "x":
          if (!card) return;
          var pick = card.querySelector("input[name=ids]");
          if (pick) pick.checked = !pick.checked;
          break;
        case "a":
          decide("approve");
          break;
        case "r":
          decide("reject");
          break;
        case "m":
          var into = document.getElementById("into_candidate");
          if (!into) return;
          var action = form && form.querySelector("select[name=action]");
          if (action) action.value = "merge";
          if (card && !checked().length) {
            var own = card.querySelector("input[name=ids]");
            if (own) own.checked = true;
          }
          into.focus();
          break;
        case "o":
        case "Enter":
          if (!card || (event.key === "Enter" && target !== card)) return;
          var link = card.querySelector("[data-open]");
          if (link) window.location.href = link.href;
          break;
        case "/":
          var search = document.getElementById("q");
          if (!search) return;
          search.focus();
          break;
        case "?":
          if (help) help.scrollIntoView({ block: "center" });
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
