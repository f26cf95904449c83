// The console's reply box: Write/Preview tabs, files dropped or pasted as removable chips, the
// toolbar's inserts (macro, canned reply, article link). No framework; the form posts without it.
(function () {
  "use strict";

  var kept = null;

  // With this script the files are chips and a button picks more; the native input stays for
  // the form's sake (and without JavaScript).
  function enhance() {
    document.querySelectorAll("[data-reply-box]").forEach(function (box) {
      var pick = box.querySelector("[data-rb-pick]");
      if (pick) { pick.hidden = false; }
      box.classList.add("rb-enhanced");
    });
  }
  document.addEventListener("DOMContentLoaded", enhance);
  document.addEventListener("htmx:afterSettle", enhance);
  document.addEventListener("escala:replaced", enhance);  // a live update swapped the box in
  if (document.readyState !== "loading") { enhance(); } // the files of a send the server refused, put back after htmx swaps the page

  function boxOf(el) { return el && el.closest ? el.closest("[data-reply-box]") : null; }
  function bodyOf(box) { return box.querySelector("textarea[name='compose-body']"); }
  function inputOf(box) { return box.querySelector("input[type='file'][name='compose-attachments']"); }

  function store(box) {
    if (!box._rbFiles) { box._rbFiles = new DataTransfer(); }
    return box._rbFiles;
  }

  function sizeText(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1024 * 1024) { return Math.round(bytes / 1024) + " KB"; }
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function sync(box) {
    var files = store(box);
    var input = inputOf(box);
    if (input) { input.files = files.files; }
    var list = box.querySelector("[data-rb-chips]");
    if (!list) { return; }
    list.textContent = "";
    var removeLabel = box.getAttribute("data-rb-remove") || "Remove";
    Array.prototype.forEach.call(files.files, function (f, index) {
      var li = document.createElement("li");
      li.className = "rb-chip";
      var name = document.createElement("span");
      name.className = "rb-chip-name";
      name.textContent = f.name;
      var size = document.createElement("span");
      size.className = "muted small";
      size.textContent = sizeText(f.size);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "rb-chip-remove";
      remove.setAttribute("data-rb-remove-index", String(index));
      remove.setAttribute("aria-label", removeLabel + " " + f.name);
      remove.textContent = "×";
      li.appendChild(name);
      li.appendChild(size);
      li.appendChild(remove);
      list.appendChild(li);
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function screenshotName(box, type) {
    var now = new Date();
    var ext = (type.split("/")[1] || "png").replace("jpeg", "jpg").replace(/[^a-z0-9]/g, "");
    var base = "screenshot-" + now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" +
      pad(now.getDate()) + "-" + pad(now.getHours()) + pad(now.getMinutes());
    var taken = Array.prototype.map.call(store(box).files, function (f) { return f.name; });
    var name = base + "." + ext;
    for (var i = 2; taken.indexOf(name) !== -1; i++) { name = base + "-" + i + "." + ext; }
    return name;
  }

  function add(box, files, pasted) {
    var dt = store(box);
    var limit = parseInt(box.getAttribute("data-rb-max-bytes") || "0", 10);
    var problems = [];
    Array.prototype.forEach.call(files, function (f) {
      var file = f;
      if (pasted && /^image\//.test(f.type)) {
        // A pasted screenshot arrives as "image.png": name it for when it was taken.
        file = new File([f], screenshotName(box, f.type), { type: f.type, lastModified: Date.now() });
      }
      if (limit && file.size > limit) {
        problems.push((box.getAttribute("data-rb-too-large") || "%s is too large.").replace("%s", file.name));
        return;
      }
      dt.items.add(file);
    });
    var note = box.querySelector("[data-rb-file-error]");
    if (note) {
      note.textContent = problems.join(" ");
      note.hidden = problems.length === 0;
    }
    sync(box);
  }

  function insert(box, text, asBlock) {
    var area = bodyOf(box);
    if (!area) { return; }
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var block = asBlock || text.indexOf("\n") !== -1;
    var lead = before && block && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    if (before && !block && !/\s$/.test(before)) { lead = " "; }
    var trail = after && block && !/^\n/.test(after) ? "\n\n" : "";
    area.value = before + lead + text + trail + after;
    var caret = (before + lead + text).length;
    showTab(box, "write");
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function showTab(box, name) {
    box.querySelectorAll("[data-rb-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-rb-tab") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
  }

  document.addEventListener("click", function (event) {
    var el = event.target;
    var box = boxOf(el);
    if (!box) { return; }
    if (el.closest("[data-rb-pick]")) {
      var input = inputOf(box);
      if (input) { input.click(); }
      return;
    }
    var tab = el.closest("[data-rb-tab]");
    if (tab) { showTab(box, tab.getAttribute("data-rb-tab")); return; }
    var remove = el.closest("[data-rb-remove-index]");
    if (remove) {
      var dt = store(box);
      dt.items.remove(parseInt(remove.getAttribute("data-rb-remove-index"), 10));
      sync(box);
      var area = bodyOf(box);
      if (area) { area.focus(); }
      return;
    }
    var item = el.closest("[data-rb-insert]");
    if (item) {
      insert(box, item.getAttribute("data-rb-insert"), item.hasAttribute("data-rb-block"));
      var macro = item.getAttribute("data-rb-macro");
      if (macro) {
        var hidden = box.querySelector("input[name='compose-macro']");
        if (hidden) { hidden.value = macro; }
        var chip = box.querySelector("[data-rb-macro-chip]");
        if (chip) {
          chip.querySelector("[data-rb-macro-name]").textContent = item.getAttribute("data-rb-macro-label");
          chip.hidden = false;
        }
      }
      var menu = item.closest("details");
      if (menu) { menu.open = false; }
      return;
    }
    if (el.closest("[data-rb-macro-clear]")) {
      var field = box.querySelector("input[name='compose-macro']");
      if (field) { field.value = ""; }
      box.querySelector("[data-rb-macro-chip]").hidden = true;
    }
  });

  // One toolbar menu open at a time.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("[data-rb-menu]") || !menu.open) { return; }
    document.querySelectorAll("[data-rb-menu][open]").forEach(function (other) {
      if (other !== menu) { other.open = false; }
    });
    var search = menu.querySelector("input[type='search']");
    if (search) { search.focus(); }
  }, true);

  document.addEventListener("change", function (event) {
    var input = event.target;
    var box = boxOf(input);
    if (!box || input !== inputOf(box)) { return; }
    // The picker replaced the input's list: what was picked joins the files kept so far.
    add(box, Array.prototype.slice.call(input.files), false);
  });

  document.addEventListener("paste", function (event) {
    var box = boxOf(event.target);
    if (!box || !event.clipboardData) { return; }
    var files = event.clipboardData.files;
    if (!files || !files.length) { return; }
    if (event.clipboardData.getData("text/plain")) { return; } // text with a picture: the text
    event.preventDefault();
    add(box, files, true);
  });

  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-rb-drop]");
    if (!zone || !event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") === -1) { return; }
    event.preventDefault();
    zone.classList.add("is-dragging");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-rb-drop]");
    if (zone) { zone.classList.remove("is-dragging"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-rb-drop]");
    if (!zone || !event.dataTransfer || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    zone.classList.remove("is-dragging");
    add(boxOf(zone), event.dataTransfer.files, false);
  });

  // Ctrl/⌘+Enter in the message sends it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
    var box = boxOf(event.target);
    if (!box || event.target !== bodyOf(box)) { return; }
    event.preventDefault();
    var send = box.querySelector("button[type='submit'][value='send']");
    if (send) { send.click(); }
  });

  // A refused send comes back with the text in the box: the files are put back with it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = boxOf(event.detail.requestConfig && event.detail.requestConfig.elt);
    kept = box && box._rbFiles && box._rbFiles.files.length ? box._rbFiles : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) { return; }
    var box = document.querySelector("[data-reply-box]");
    var area = box && bodyOf(box);
    if (area && area.value.trim() && !box._rbFiles) {
      box._rbFiles = kept;
      sync(box);
    }
    kept = null;
  });
})();
