// Behaviour of the generic record pages: row selection, confirmations, remote selects.
(function () {
  "use strict";

  function bind(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var table = box.closest("table");
        table.querySelectorAll('input[name="ids"]').forEach(function (row) {
          row.checked = box.checked;
        });
      });
    });
    root.querySelectorAll("select[data-remote]").forEach(function (select) {
      if (select.tomselect || typeof TomSelect === "undefined") return;
      new TomSelect(select, {
        valueField: "id",
        labelField: "name",
        searchField: [],
        maxOptions: 20,
        loadThrottle: 250,
        load: function (query, callback) {
          var url = select.dataset.remote + "?limit=20&q=" + encodeURIComponent(query);
          fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : { items: [] }; })
            .then(function (page) { callback(page.items); })
            .catch(function () { callback(); });
        },
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bind(event.target); });
})();
