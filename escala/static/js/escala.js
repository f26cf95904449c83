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
})();
