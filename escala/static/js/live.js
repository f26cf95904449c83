// The live console (docs/decisions/0020-live-console.md): the ticket page and the queue page ask
// every few seconds whether what they show changed. The server answers 204 when nothing did; a
// JSON answer is applied here and then dispatched as the DOM event `escala:live` (detail: the
// JSON, with `notifications`) for other features. Without JavaScript the pages work as before.
(function () {
  "use strict";
  var TICKET_EVERY = 2000;  // a reply shows on an open ticket within ~2 s
  var QUEUE_EVERY = 10000;  // a queue changes often; its counts need not follow by the second
  var HIDDEN_EVERY = 15000;  // a background tab keeps its presence, and costs little
  var TYPING_FOR = 4000;

  // A live page's poll brings the bell's count, and escala.js asks the bell again when it
  // differs: the bell's own poll every 12 s would be a whole request per page for nothing.
  var polling = 0;
  document.addEventListener("htmx:confirm", function (event) {
    var asked = event.detail && event.detail.triggeringEvent;  // none: its timer
    if (polling > 0 && event.target && event.target.id === "bell-count" && !asked) event.preventDefault();
  });

  function poller(options) {
    var timer = null, failures = 0, stopped = false, busy = false;
    polling += 1;
    function schedule(ms) {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(run, ms);
    }
    function interval() {
      if (failures) return Math.min(60000, options.every * Math.pow(2, failures));
      return document.hidden ? HIDDEN_EVERY : options.every;
    }
    function run() {
      if (stopped) return;
      if (busy || options.paused()) { schedule(500); return; }
      busy = true;
      var token = options.token ? options.token() : 0;
      fetch(options.url(), { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual", cache: "no-store" })
        .then(function (response) {
          if (response.status === 204) { failures = 0; return null; }
          if (response.status === 403 || response.status === 404 || response.type === "opaqueredirect") {
            if (!stopped) polling -= 1;  // the bell polls for itself again
            stopped = true;
            options.gone(response.status);
            return null;
          }
          if (!response.ok) throw new Error("live " + response.status);
          failures = 0;
          return response.json();
        })
        .then(function (data) {
          if (data) {
            options.apply(data, token);
            document.dispatchEvent(new CustomEvent("escala:live", { detail: data }));
          }
        })
        .catch(function () { failures += 1; })
        .finally(function () { busy = false; schedule(interval()); });
    }
    document.addEventListener("visibilitychange", function () { if (!document.hidden) schedule(50); });
    schedule(options.first || 0);
    return { now: function () { schedule(0); }, stop: function () { stopped = true; clearTimeout(timer); } };
  }

  // The count the bell was rendered with: the first poll need not bring it again.
  var bellCount = document.getElementById("bell-count");
  var notifications = (bellCount && bellCount.getAttribute("data-count")) || "";
  document.addEventListener("escala:live", function (event) {
    var n = event.detail && event.detail.notifications;
    notifications = n === null || n === undefined ? "" : String(n);
  });

  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  // --- The ticket page ----------------------------------------------------------------------

  function ticketPage(root) {
    var base = root.getAttribute("data-live-url");
    var leaveUrl = root.getAttribute("data-live-leave");
    var stamp = root.getAttribute("data-live-stamp") || "";
    var seen = root.getAttribute("data-live-seen") || "";
    var typedAt = 0;
    var inFlight = 0;
    var pending = null;  // the latest fragment, kept while the agent is writing
    // Bumped when the agent's own action swaps the ticket: a poll answered before it shows an
    // older ticket than the page now does, and is not applied.
    var generation = 0;
    var pressed = false;  // a pointer is down on the ticket (a click under way)
    var later = null;  // an update that came in the middle of a click

    function ticket() { return document.getElementById("ticket"); }
    function composer() { return document.querySelector("[data-live-composer]"); }
    function kind() {
      var picked = document.querySelector("#ticket .composer input[name$='kind']:checked, #ticket .composer select[name$='kind']");
      return picked && picked.value === "note" ? "note" : "reply";
    }
    function hasDraft() {
      var box = composer();
      var files = document.querySelector("#ticket .composer input[type=file]");
      return !!((box && box.value.trim()) || (files && files.files && files.files.length));
    }
    function changedField(el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") {
        // Without an option marked selected, a plain select starts on its first.
        var marked = Array.prototype.some.call(el.options, function (o) { return o.defaultSelected; });
        return Array.prototype.some.call(el.options, function (o, i) {
          return o.selected !== (marked ? o.defaultSelected : i === 0 && !el.multiple);
        });
      }
      if (el.type === "file") return !!(el.files && el.files.length);
      return el.type !== "hidden" && el.value !== el.defaultValue;
    }
    // The agent is at work in a region with forms: an action open, the focus in it, or
    // something chosen or written in it (even in an action closed again).
    function editing(region) {
      if (region.getAttribute("data-live") === "composer" && hasDraft()) return true;
      if (region.contains(document.activeElement) || region.querySelector("details[open]")) return true;
      return Array.prototype.some.call(region.querySelectorAll("input, select, textarea"), function (el) {
        return el.name && el.name !== "csrfmiddlewaretoken" && changedField(el);
      });
    }
    // Where a <details> is, to find its twin in a region's new version: the nearest element
    // with an id (a message, an action) and its place among that element's <details>.
    function detailsKey(details, region) {
      var anchor = details.parentElement && details.parentElement.closest("[id]");
      if (!anchor || !region.contains(anchor)) anchor = region;
      var key = details.id || String(Array.prototype.indexOf.call(anchor.querySelectorAll("details"), details));
      return (anchor === region ? "" : anchor.id) + "/" + key;
    }
    // What the agent loaded into a region (an explanation, a panel: an htmx target in it) is
    // carried into its new version, where that place is still empty.
    function keepLoaded(fromRegion, toRegion) {
      fromRegion.querySelectorAll("[hx-target^='#']").forEach(function (el) {
        var id = el.getAttribute("hx-target").slice(1);
        var from = document.getElementById(id);
        var to = toRegion.querySelector("[id='" + id + "']");
        if (!from || !to || !fromRegion.contains(from) || !from.childNodes.length || to.childNodes.length) return;
        while (from.firstChild) to.appendChild(from.firstChild);
      });
    }
    function keepOpen(fromRegion, toRegion) {
      var open = {};
      fromRegion.querySelectorAll("details").forEach(function (d) { open[detailsKey(d, fromRegion)] = d.open; });
      toRegion.querySelectorAll("details").forEach(function (d) {
        var key = detailsKey(d, toRegion);
        if (open[key] !== undefined) d.open = open[key];
      });
    }
    // htmx swaps #ticket after the agent's own action: a poll answer meanwhile is not applied
    // (the stamp is kept, so the next poll looks again).
    document.addEventListener("htmx:beforeRequest", function () { inFlight += 1; });
    document.addEventListener("htmx:afterRequest", function () {
      inFlight = Math.max(0, inFlight - 1);
      if (!inFlight) applyLater();  // an update kept meanwhile, once it has settled
    });
    document.addEventListener("htmx:afterSwap", function (event) {
      var fresh = ticket();
      if (!fresh) return;
      // Only the agent's own action swaps the whole ticket; a panel loading inside it (the
      // requester's, the problems') leaves a kept update as it is.
      var target = event.detail && event.detail.target;
      if (target && target !== fresh && target.id !== "ticket") return;
      pending = null;
      later = null;
      generation += 1;
      // A merge shows the ticket it went into: follow it.
      if (fresh.getAttribute("data-live-url") && fresh.getAttribute("data-live-url") !== base) {
        base = fresh.getAttribute("data-live-url");
        leaveUrl = fresh.getAttribute("data-live-leave");
        stamp = "";
      }
    });

    document.addEventListener("input", function (event) {
      if (!event.target.matches || !event.target.matches("[data-live-composer]")) return;
      var idle = Date.now() - typedAt > TYPING_FOR;
      typedAt = Date.now();
      if (idle) live.now();  // others see "typing" at once, not at the next beat
    });

    function messageIds(scope) {
      var ids = {};
      scope.querySelectorAll(".thread > li.msg[id]").forEach(function (li) { ids[li.id] = true; });
      return ids;
    }

    function carryOver(fromRegion, toRegion) {
      // What the agent wrote moves into the up-to-date forms, except their version (the whole
      // point: they saw the change) and the CSRF token.
      fromRegion.querySelectorAll("form").forEach(function (oldForm) {
        var newForm = toRegion.querySelector("form[action='" + oldForm.getAttribute("action") + "']");
        if (!newForm) return;
        var details = oldForm.closest("details"), newDetails = newForm.closest("details");
        if (details && newDetails) newDetails.open = details.open;
        Array.prototype.forEach.call(oldForm.elements, function (el) {
          if (!el.name || el.name === "csrfmiddlewaretoken" || /(^|-)version$/.test(el.name)) return;
          // Buttons carry what they do ("send", "send and resolve"), not what was written.
          if (el.tagName === "BUTTON" || el.type === "submit" || el.type === "button") return;
          var twins = newForm.querySelectorAll("[name='" + el.name + "']");
          twins.forEach(function (twin) {
            if (el.type === "checkbox" || el.type === "radio") {
              if (twin.value === el.value) twin.checked = el.checked;
            } else if (el.type === "file") {
              try { twin.files = el.files; } catch (e) { /* an old browser: choose them again */ }
            } else if (twin.tagName === el.tagName) {
              twin.value = el.value;
            }
          });
        });
      });
    }

    // A region is never swapped between the press and the release of a click (the click would
    // land on the old one and be lost): the update waits for the click to end.
    document.addEventListener("pointerdown", function (event) {
      var page = ticket();
      pressed = !!(page && page.contains(event.target));
    }, true);
    function released() {
      pressed = false;
      applyLater();
    }
    function applyLater() {
      if (!later) return;
      setTimeout(function () {  // after the click itself
        if (!later || pressed || inFlight > 0) return;
        var update = later;
        later = null;
        swapRegions(update.html, update.force);
      }, 0);
    }
    document.addEventListener("pointerup", released, true);
    document.addEventListener("pointercancel", released, true);

    function swapRegions(html, force) {
      // Nor while a request of the page's own is under way: its answer may be for a place in
      // the region (an explanation loading) and would land in the old one.
      if (pressed || inFlight > 0) {
        if (!later) setTimeout(released, 3000);  // a release this page never heard of
        later = { html: html, force: force };
        return;
      }
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      var fresh = holder.content.querySelector("#ticket");
      var page = ticket();
      if (!fresh || !page) return;
      var before = messageIds(page);
      var changedVersion = fresh.getAttribute("data-version") !== page.getAttribute("data-version");
      var kept = false;
      fresh.querySelectorAll("[data-live]").forEach(function (region) {
        var current = page.querySelector("[data-live='" + region.getAttribute("data-live") + "']");
        if (!current) return;
        if (region.hasAttribute("data-live-form")) {
          // The same version: the same forms as shown, nothing to refresh.
          if (!changedVersion && !force) return;
          if (editing(current)) {
            if (!force) { kept = true; return; }
            carryOver(current, region);
          }
        }
        keepOpen(current, region);
        keepLoaded(current, region);
        current.replaceWith(region);
        if (window.htmx) window.htmx.process(region);
        // Other scripts (the reply box) enhance what they find on the page: tell them.
        document.dispatchEvent(new CustomEvent("escala:replaced", { detail: { region: region } }));
      });
      var fresh_ids = Object.keys(messageIds(page)).filter(function (id) { return !before[id]; });
      fresh_ids.forEach(function (id) {
        var li = document.getElementById(id);
        if (li) li.classList.add("is-new");
      });
      if (!kept) {
        page.setAttribute("data-version", fresh.getAttribute("data-version"));
        pending = null;
      } else {
        pending = html;
      }
      var notice = page.querySelector("[data-live-notice]");
      if (notice) notice.hidden = !kept;
      var say = page.querySelector("[data-live-announce]");
      if (say && (fresh_ids.length || changedVersion)) {
        say.textContent = fresh_ids.length === 1 ? say.getAttribute("data-one-new")
          : fresh_ids.length > 1 ? say.getAttribute("data-many-new") : say.getAttribute("data-changed");
      }
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-live-apply]");
      if (!button || !pending) return;
      swapRegions(pending, true);
    });

    var live = poller({
      every: TICKET_EVERY,
      first: TICKET_EVERY,
      paused: function () { return inFlight > 0; },
      token: function () { return generation; },
      url: function () {
        var typing = Date.now() - typedAt < TYPING_FOR;
        return base + "?" + query({ s: stamp, p: seen, n: notifications, typing: typing ? 1 : 0, draft: hasDraft() ? 1 : 0, kind: kind() });
      },
      apply: function (data, token) {
        if (data.presence) {
          seen = data.presence.stamp;
          var box = document.getElementById("presence");
          if (box) box.innerHTML = data.presence.html;
        }
        // Asked before the agent's own action swapped the ticket: older than what is shown
        // (the stamp is not taken, so the next poll looks again).
        if (token !== generation) return;
        if (data.html !== undefined) swapRegions(data.html, false);
        stamp = data.stamp;
      },
      gone: function () { /* signed out or no longer allowed: the page stays as it was */ }
    });

    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon) {
        var token = document.querySelector("input[name=csrfmiddlewaretoken]");
        var body = new FormData();
        if (token) body.append("csrfmiddlewaretoken", token.value);
        navigator.sendBeacon(leaveUrl, body);
      }
    });
  }

  // --- The queue page ---------------------------------------------------------------------

  function queuePage(tabs) {
    var base = tabs.getAttribute("data-live-queue");
    var bar = document.querySelector("[data-live-bar]");
    var stamp = "";
    var shown = {};  // the counts the tabs show

    function says(kind, n) {
      if (!n) return null;
      return n === 1 ? bar.getAttribute("data-" + kind + "-one") : bar.getAttribute("data-" + kind + "-many").replace("{n}", n);
    }

    function applyRows(rows) {
      var onPage = {};
      document.querySelectorAll("#results tr[data-id]").forEach(function (tr) { onPage[tr.getAttribute("data-id")] = tr; });
      var fresh = 0, changed = 0, gone = 0, listed = {};
      rows.forEach(function (row) {
        var id = String(row[0]);
        listed[id] = true;
        var tr = onPage[id];
        if (!tr) fresh += 1;
        else if (tr.getAttribute("data-v") !== row[1]) { changed += 1; tr.classList.add("is-changed"); }
      });
      Object.keys(onPage).forEach(function (id) { if (!listed[id]) gone += 1; });
      var parts = [says("new", fresh), says("changed", changed), says("gone", gone)].filter(Boolean);
      bar.querySelector("[data-live-bar-text]").textContent = parts.join(" · ");
      bar.hidden = parts.length === 0;
    }

    function applyCounts(counts, cap) {
      Object.keys(counts).forEach(function (key) {
        var badge = tabs.querySelector("[data-count-for='" + key + "']");
        if (!badge) return;
        var n = counts[key];
        badge.textContent = n >= cap ? (cap - 1) + "+" : String(n);
        badge.hidden = false;
        badge.classList.toggle("is-up", shown[key] !== undefined && n > shown[key]);
        shown[key] = n;
      });
    }

    var live = poller({
      every: QUEUE_EVERY,
      paused: function () { return false; },
      url: function () {
        var params = new URLSearchParams(window.location.search);
        params.set("s", stamp);
        params.set("n", notifications);
        return base + "?" + params.toString();
      },
      apply: function (data) {
        stamp = data.stamp;
        if (data.counts) applyCounts(data.counts, data.cap);
        if (data.rows) applyRows(data.rows);
      },
      gone: function () {}
    });

    bar.querySelector("[data-live-show]").addEventListener("click", function () {
      bar.hidden = true;
      var url = window.location.pathname + window.location.search;
      if (window.htmx) {
        window.htmx.ajax("GET", url, { target: "#results", swap: "outerHTML" });
      } else {
        window.location.reload();
      }
    });
    // The agent filtered or paged: the rows are new, so is what to compare them with.
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "results") { bar.hidden = true; stamp = ""; live.now(); }
    });
  }

  function start() {
    var root = document.getElementById("ticket");
    if (root && root.hasAttribute("data-live-url")) ticketPage(root);
    var tabs = document.querySelector("[data-live-queue]");
    if (tabs) queuePage(tabs);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
