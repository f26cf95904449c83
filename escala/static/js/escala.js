// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]")) {
      el.form.submit();
    }
    if (el.matches && el.matches("input[data-select-all]")) {
      document.querySelectorAll("input[name='tickets']").forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
  // A filter saved after htmx changed the filters keeps what the address bar shows now.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("save-filter")) {
      form.querySelector("input[name='query']").value = window.location.search.replace(/^\?/, "");
    }
  });
  // After an htmx swap, move focus to the first error so keyboard users land on it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var error = event.detail.target.querySelector(".has-error input, .has-error textarea, .has-error select, .form-errors");
    if (error) {
      if (!error.hasAttribute("tabindex") && error.classList.contains("form-errors")) {
        error.setAttribute("tabindex", "-1");
      }
      error.focus();
    }
  });
  // The bell's panel closes on a click elsewhere or on Escape, as a menu does.
  document.addEventListener("click", function (event) {
    var bell = document.getElementById("bell");
    if (bell && bell.open && !bell.contains(event.target)) {
      bell.open = false;
    }
  });
  document.addEventListener("keydown", function (event) {
    var bell = document.getElementById("bell");
    if (event.key === "Escape" && bell && bell.open) {
      bell.open = false;
      bell.querySelector("summary").focus();
    }
  });
  // The bell (escala/notifications): the live updates' poll says how many notifications are
  // unread (event "escala:live", detail.notifications); when that differs from the bell, the
  // bell asks for itself again (its own poll would, within seconds).
  window.addEventListener("escala:live", function (event) {
    var n = event.detail && event.detail.notifications;
    var count = document.getElementById("bell-count");
    if (typeof n !== "number" || !count || String(n) === count.getAttribute("data-count")) {
      return;
    }
    if (window.htmx) {
      window.htmx.trigger(document.body, "escala:bell");
    }
  }, true);
})();
