// Progressive enhancement for the curator inbox (everything works without it): keyboard
// shortcuts and "select all". j/k move between candidates, x selects, a approves and r rejects
// the selected candidates (or the current one when none is selected), m goes to the merge
// fields, o or Enter opens the current candidate, / goes to the search box, ? shows the keys,
// Escape leaves a form field for the list. After a decision by key the card at the same place
// is selected again, so a curator can work down the list without the mouse.
// A rejection's reason is a training label, so r never uses a default: it asks at the card
// (1-4 or a choice and Enter rejects, Escape cancels), or at the bulk bar for picked ones.
// After a decision a toast offers "Batalkan" (u) for a while; the bulk bar counts the picks.
(function () {
  "use strict";

  function setup() {
    var filterBox = document.getElementById("inbox-filter-box");
    if (filterBox && window.matchMedia("(min-width: 64rem)").matches) filterBox.open = true;
    var form = document.getElementById("inbox-form");
    var cards = form ? Array.prototype.slice.call(form.querySelectorAll("[data-candidate]")) : [];
    var help = document.getElementById("inbox-keys");
    var current = -1;
    var submitting = false;
    var byKey = false;
    var POSITION = "inbox-position";

    function checked() {
      return cards.filter(function (card) {
        var box = card.querySelector("input[name=ids]");
        return box && box.checked;
      });
    }

    function mark(index) {
      if (current >= 0 && cards[current]) cards[current].removeAttribute("aria-current");
      current = index;
      cards[current].setAttribute("aria-current", "true");
    }

    function move(index) {
      if (!cards.length) return;
      mark(Math.max(0, Math.min(cards.length - 1, index)));
      var card = cards[current];
      card.focus();
      card.scrollIntoView({ block: "nearest" });
    }

    // the position survives the reload a decision causes (storage may be switched off)
    function remember() {
      window.queuePosition.remember(POSITION, current);
    }

    function restore() {
      var index = window.queuePosition.take(POSITION);
      if (index !== null) move(index);
    }

    function currentCard() {
      return current >= 0 ? cards[current] : null;
    }

    function submitBulk(action) {
      var select = form.querySelector("select[name=action]");
      var button = form.querySelector("button[name=bulk]");
      if (!select || !button) return;
      select.value = action;
      button.click();
    }

    function decide(action) {
      // a second key press while the first decision is on its way would be refused (409)
      if (!form || submitting) return;
      byKey = true;
      if (checked().length) {
        submitBulk(action);
      } else {
        var card = currentCard();
        var button = card && card.querySelector(action === "approve" ? "[data-approve]" : "[data-reject]");
        if (button) button.click();
      }
      byKey = false;
    }

    function reasonBox(select) {
      return select.closest("[data-reject-box]") || document.getElementById("bulk");
    }

    function ask(select) {
      var where = reasonBox(select);
      where.classList.add("asking");
      var hint = where.querySelector("[data-ask-hint]");
      if (hint) hint.hidden = false;
      select.focus();
    }

    function stopAsking() {
      document.querySelectorAll(".asking").forEach(function (where) {
        where.classList.remove("asking");
        var hint = where.querySelector("[data-ask-hint]");
        if (hint) hint.hidden = true;
      });
    }

    // the reason is chosen: reject the card, or the picked candidates (bulk)
    function rejectWith(select) {
      if (!select.value || submitting) return;
      byKey = true;
      if (select.getAttribute("data-reason") === "bulk") {
        submitBulk("reject");
      } else {
        var button = reasonBox(select).querySelector("[data-reject]");
        if (button) button.click();
      }
      byKey = false;
    }

    function reject() {
      if (!form || submitting) return;
      var select = null;
      if (checked().length) {
        select = form.querySelector("select[data-reason=bulk]");
        var action = form.querySelector("select[name=action]");
        if (action) action.value = "reject";
      } else {
        var card = currentCard();
        select = card && card.querySelector("select[data-reason]");
      }
      if (!select) return;
      if (select.value) rejectWith(select);
      else ask(select);
    }

    // a key pressed in a reason list: 1-4 picks a reason and rejects, Enter rejects
    function reasonKey(event) {
      var select = event.target;
      if (/^[1-9]$/.test(event.key)) {
        var options = Array.prototype.filter.call(select.options, function (o) {
          return o.value;
        });
        var chosen = options[parseInt(event.key, 10) - 1];
        if (!chosen) return false;
        select.value = chosen.value;
        rejectWith(select);
        return true;
      }
      if (event.key === "Enter" && select.value) {
        rejectWith(select);
        return true;
      }
      return false;
    }

    var count = document.getElementById("picked-count");
    function recount() {
      if (!count) return;
      var n = checked().length;
      count.textContent = (count.getAttribute("data-template") || "{n}").replace("{n}", String(n));
      count.hidden = n === 0;
    }

    // the undo toast: on screen for a while (longer while the pointer or focus is in it)
    var toast = document.getElementById("undo-toast");
    if (toast) {
      var seconds = parseInt(toast.getAttribute("data-seconds") || "20", 10);
      var held = false;
      var hide = function () {
        if (held) {
          window.setTimeout(hide, 2000);
          return;
        }
        toast.hidden = true;
      };
      toast.addEventListener("mouseenter", function () { held = true; });
      toast.addEventListener("mouseleave", function () { held = false; });
      toast.addEventListener("focusin", function () { held = true; });
      toast.addEventListener("focusout", function () { held = false; });
      window.setTimeout(hide, seconds * 1000);
    }

    if (form) {
      var all = document.createElement("p");
      all.className = "check pick-all";
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
        recount();
      });
      form.addEventListener("change", function (event) {
        if (event.target.name === "ids") recount();
      });
      // Tab or a click into a card makes it the current one, so x, a and r act on the card
      // the curator is in, not on one selected earlier
      form.addEventListener("focusin", function (event) {
        var card = event.target.closest ? event.target.closest("[data-candidate]") : null;
        var index = card ? cards.indexOf(card) : -1;
        if (index >= 0 && index !== current) mark(index);
      });
      // (the submit event comes only once the browser has accepted the fields)
      form.addEventListener("submit", function () {
        submitting = true;
        if (byKey) remember();
      });
      window.addEventListener("pageshow", function (event) {
        if (event.persisted) submitting = false;
      });
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "SELECT" && target.hasAttribute("data-reason") && reasonKey(event)) {
        event.preventDefault();
        return;
      }
      if (event.key === "Escape" && cards.length && tag && /^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
        stopAsking();
        move(current < 0 ? 0 : current);
        event.preventDefault();
        return;
      }
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
          recount();
          break;
        case "a":
          decide("approve");
          break;
        case "r":
          reject();
          break;
        case "u":
          var undo = document.getElementById("undo-button");
          if (!undo || (toast && toast.hidden)) return;
          undo.click();
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
          if (filterBox) filterBox.open = true;
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

    restore();
    recount();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
