// Behaviour of the generic record pages: row selection, confirmations, and forms emptied
// once htmx has sent them (a note added to the timeline).
(function () {
  "use strict";

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form.matches("form[data-reset-after-success]") && event.detail.successful) form.reset();
  });

  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (!box) return;
    box.closest("table").querySelectorAll('input[name="ids"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
