// Progressive enhancement for the curators' report queue /curate/reports/ (everything works
// without it: the checkboxes and the bulk form), with the inbox's keys: j/k move between
// reports, x picks, o or Enter opens the current one, v verifies, d disposes to each report's
// suggested institution, r rejects (1-3 picks the reason), / goes to the filters, ? shows the
// keys. A step on a report cannot be undone (the reporter is mailed), so no single key takes
// one: v, d and r (after its reason) only ask, in a line above the list that names the step
// and how many reports it touches; Enter confirms, Escape (or any other key) cancels. The
// step applies to the picked reports, or to the current one when none is picked. After a step
// the same place in the list is current again, so a curator can work down it by keyboard.
(function () {
  "use strict";

  function setup() {
    var form = document.getElementById("report-bulk-form");
    if (!form) return;
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-report]"));
    var action = document.getElementById("bulk-action");
    var reason = document.getElementById("bulk-reason");
    var prompt = document.getElementById("queue-confirm");
    var help = document.getElementById("queue-keys");
    var current = -1;
    var pending = null; // the step waiting for Enter: {action, rows}
    var submitting = false;
    var POSITION = "report-queue-position";

    function mark(index) {
      if (current >= 0 && rows[current]) rows[current].removeAttribute("aria-current");
      current = index;
      rows[current].setAttribute("aria-current", "true");
    }

    function move(index) {
      if (!rows.length) return;
      mark(Math.max(0, Math.min(rows.length - 1, index)));
      rows[current].focus();
      rows[current].scrollIntoView({ block: "nearest" });
    }

    function box(row) {
      return row.querySelector("input[name=codes]");
    }

    function picked() {
      return rows.filter(function (row) {
        var pick = box(row);
        return pick && pick.checked;
      });
    }

    // the reports a step applies to: the picked ones, else the current one
    function targets() {
      var chosen = picked();
      if (chosen.length) return chosen;
      return current >= 0 ? [rows[current]] : [];
    }

    function say(text) {
      if (!prompt) return;
      prompt.textContent = text;
      prompt.hidden = !text;
    }

    function ask(step, label) {
      var chosen = targets();
      if (!chosen.length || submitting) return;
      if (step === "dispose_suggested") {
        chosen = chosen.filter(function (row) {
          return row.hasAttribute("data-suggested");
        });
        if (!chosen.length) {
          say(prompt.getAttribute("data-no-suggestion") || "");
          return;
        }
      }
      pending = { action: step, rows: chosen };
      var template = prompt.getAttribute("data-template") || "{step}: {n}? Enter / Esc";
      say(template.replace("{step}", label).replace("{n}", String(chosen.length)));
    }

    function cancel() {
      pending = null;
      say("");
      if (reason) reason.classList.remove("asking");
    }

    function remember() {
      window.queuePosition.remember(POSITION, current);
    }

    function restore() {
      var index = window.queuePosition.take(POSITION);
      if (index !== null) move(index);
    }

    function confirmStep() {
      if (!pending || submitting) return;
      var step = pending;
      pending = null;
      rows.forEach(function (row) {
        var pick = box(row);
        if (pick) pick.checked = step.rows.indexOf(row) >= 0;
      });
      action.value = step.action;
      submitting = true;
      remember();
      form.submit();
    }

    function label(step) {
      var option = action.querySelector("option[value='" + step + "']");
      return option ? option.getAttribute("data-short") || option.textContent : step;
    }

    function askReason() {
      if (!reason || !targets().length) return;
      reason.classList.add("asking");
      say(prompt.getAttribute("data-reason") || "");
      reason.focus();
    }

    // in the reason list: 1-3 (or a choice and Enter) asks to reject with that reason
    function reasonKey(event) {
      var choice = null;
      if (/^[1-9]$/.test(event.key)) {
        var options = Array.prototype.filter.call(reason.options, function (o) {
          return o.value;
        });
        choice = options[parseInt(event.key, 10) - 1] || null;
        if (choice) reason.value = choice.value;
      } else if (event.key === "Enter" && reason.value) {
        choice = reason.selectedOptions[0];
      }
      if (!choice) return false;
      reason.classList.remove("asking");
      if (current >= 0) rows[current].focus();
      else form.focus();
      ask("reject", label("reject") + " (" + choice.textContent.trim() + ")");
      return true;
    }

    form.addEventListener("focusin", function (event) {
      var row = event.target.closest ? event.target.closest("[data-report]") : null;
      var index = row ? rows.indexOf(row) : -1;
      if (index >= 0 && index !== current) mark(index);
    });
    form.addEventListener("submit", function () {
      submitting = true;
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) submitting = false;
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (target === reason && reason.classList.contains("asking")) {
        if (reasonKey(event)) {
          event.preventDefault();
          return;
        }
      }
      if (event.key === "Escape") {
        var wasAsking = pending || (reason && reason.classList.contains("asking"));
        cancel();
        if (wasAsking || (tag && /^(INPUT|TEXTAREA|SELECT)$/.test(tag))) {
          move(current < 0 ? 0 : current);
          event.preventDefault();
        }
        return;
      }
      if (tag === "INPUT" && target.type !== "checkbox") return;
      if (tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      if (pending) {
        // only Enter takes the step; any other key is a "no"
        if (event.key === "Enter") confirmStep();
        else cancel();
        event.preventDefault();
        return;
      }
      var row = current >= 0 ? rows[current] : null;
      switch (event.key) {
        case "j":
          move(current + 1);
          break;
        case "k":
          move(current < 0 ? 0 : current - 1);
          break;
        case "x":
          if (!row) return;
          var pick = box(row);
          if (pick) pick.checked = !pick.checked;
          break;
        case "v":
          ask("verify", label("verify"));
          break;
        case "d":
          ask("dispose_suggested", label("dispose_suggested"));
          break;
        case "r":
          askReason();
          break;
        case "o":
        case "Enter":
          if (!row || (event.key === "Enter" && target !== row)) return;
          var link = row.querySelector("[data-open]");
          if (link) window.location.href = link.href;
          break;
        case "/":
          var filter = document.getElementById("q-status");
          if (!filter) return;
          filter.focus();
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
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
