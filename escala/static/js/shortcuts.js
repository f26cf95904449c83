// The console's keyboard shortcuts (the `?` overlay lists them): j/n and k/p move through the
// current queue, r reply, i internal note, e escalate. Never while typing in a field.
(function () {
  "use strict";
  var KEY = "escala.queue";

  function typing(el) {
    if (!el || !el.tagName) { return false; }
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function queueLinks() {
    return Array.prototype.map.call(
      document.querySelectorAll("table.tickets tbody tr"),
      function (row) { return row.querySelector("a[href*='/desk/tickets/']"); }
    ).filter(Boolean);
  }

  // The queue page remembers its tickets, in order, for the ticket pages opened from it.
  function remember() {
    var links = queueLinks();
    if (!links.length) { return; }
    try {
      sessionStorage.setItem(KEY, JSON.stringify({
        queue: location.pathname + location.search,
        tickets: links.map(function (a) { return a.getAttribute("href"); })
      }));
    } catch (e) { /* private mode: no next/previous across pages */ }
  }

  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function say(key) {
    var toast = document.getElementById("kb-toast");
    if (!toast) { return; }
    toast.textContent = toast.getAttribute("data-" + key) || "";
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; }, 2500);
  }

  var cursor = -1; // the highlighted row on the queue page

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) { return; }
    cursor = Math.max(0, Math.min(links.length - 1, cursor + step));
    document.querySelectorAll("table.tickets tr.kb-current").forEach(function (r) { r.classList.remove("kb-current"); });
    var row = links[cursor].closest("tr");
    row.classList.add("kb-current");
    links[cursor].focus();
  }

  function moveFromTicket(step) {
    var saved = remembered();
    if (!saved || !saved.tickets || !saved.tickets.length) { say("noqueue"); return; }
    var at = saved.tickets.indexOf(location.pathname);
    if (at === -1) { say("noqueue"); return; }
    var next = at + step;
    if (next < 0 || next >= saved.tickets.length) { say(step > 0 ? "last" : "first"); return; }
    location.assign(saved.tickets[next]);
  }

  function compose(kind) {
    var box = document.querySelector("[data-reply-box]");
    if (!box) { return; }
    var radio = box.querySelector("input[name='compose-kind'][value='" + kind + "']");
    if (radio) { radio.checked = true; }
    var area = box.querySelector("textarea[name='compose-body']");
    if (area) {
      area.scrollIntoView({ block: "center" });
      area.focus();
    }
  }

  function escalate() {
    var action = document.getElementById("action-escalate");
    if (!action) { say("noescalate"); return; }
    action.open = true;
    action.scrollIntoView({ block: "center" });
    var field = action.querySelector("select, textarea, input:not([type='hidden'])");
    if (field) { field.focus(); }
  }

  function help() {
    var dialog = document.getElementById("kb-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (typing(event.target)) { return; }
    var dialog = document.getElementById("kb-help");
    if (dialog && dialog.open) { return; } // the dialog closes on Escape by itself
    var onTicket = !!document.getElementById("ticket");
    var onQueue = !!document.querySelector("table.tickets");
    var handled = true;
    switch (event.key) {
      case "?": help(); break;
      case "j": case "n":
        if (onQueue) { moveInQueue(1); } else if (onTicket) { moveFromTicket(1); } else { handled = false; }
        break;
      case "k": case "p":
        if (onQueue) { moveInQueue(-1); } else if (onTicket) { moveFromTicket(-1); } else { handled = false; }
        break;
      case "o": case "Enter":
        if (onQueue && cursor >= 0) { queueLinks()[cursor].click(); } else { handled = false; }
        break;
      case "r": if (onTicket) { compose("reply"); } else { handled = false; } break;
      case "i": if (onTicket) { compose("note"); } else { handled = false; } break;
      case "e": if (onTicket) { escalate(); } else { handled = false; } break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-kb-help]")) { event.preventDefault(); help(); }
    if (event.target.closest && event.target.closest("[data-kb-close]")) {
      document.getElementById("kb-help").close();
    }
  });
  document.addEventListener("htmx:afterSettle", function () { cursor = -1; remember(); });
  function ready() {
    remember();
    var fab = document.getElementById("kb-fab");
    if (fab) { fab.hidden = false; } // the shortcuts need this script: so does their button
  }
  document.addEventListener("DOMContentLoaded", ready);
  if (document.readyState !== "loading") { ready(); }
})();
