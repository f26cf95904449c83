// Search from anywhere (components/find_box.html): Ctrl/⌘-K focuses the top bar's box from any
// console page; arrows choose a result, Enter opens it (or, with none chosen, the full results
// page: the form's own submit), Esc closes the list. A WAI-ARIA 1.2 combobox with a listbox.
(function () {
  "use strict";
  var input, listbox, active = -1;

  function options() {
    return Array.prototype.slice.call(listbox.querySelectorAll("[role='option']"));
  }
  function choose(index) {
    var opts = options();
    active = opts.length ? Math.max(-1, Math.min(index, opts.length - 1)) : -1;
    opts.forEach(function (opt, i) {
      opt.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function show(open) {
    open = open && options().length > 0 && input.value.trim() !== "";
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { choose(-1); }
  }

  function setup() {
    input = document.getElementById("find-q");
    listbox = document.getElementById("find-listbox");
    if (!input || !listbox) { return; }

    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        input.focus();
        input.select();
        show(true);
      }
    });
    input.addEventListener("keydown", function (event) {
      var count = options().length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) { return; }
        event.preventDefault();
        if (listbox.hidden) { show(true); }
        if (event.key === "ArrowDown") {
          choose(active + 1 >= count ? 0 : active + 1);
        } else {
          choose(active <= 0 ? count - 1 : active - 1);
        }
      } else if (event.key === "Enter") {
        var opts = options();
        if (!listbox.hidden && active >= 0 && opts[active]) {
          event.preventDefault();
          window.location.assign(opts[active].href);
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) {
          event.preventDefault();
          show(false);
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        } else {
          input.blur();
        }
      }
    });
    input.addEventListener("input", function () {
      if (input.value.trim() === "") {
        listbox.innerHTML = "";
        show(false);
      }
    });
    input.addEventListener("focus", function () { show(true); });
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === listbox) {
        active = -1;
        show(document.activeElement === input);
      }
    });
    listbox.addEventListener("mousemove", function (event) {
      var opt = event.target.closest && event.target.closest("[role='option']");
      if (opt) { choose(options().indexOf(opt)); }
    });
    // Choosing with the mouse must not lose the list to the input's blur first.
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest("[data-find]")) { show(false); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
