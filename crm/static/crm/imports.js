// The import wizard: the match key is asked for only when duplicates are looked for.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var radio = event.target.closest("input[name=on_duplicate]");
    if (!radio) return;
    var match = radio.form.querySelector("[data-match]");
    if (!match) return;
    var anyway = radio.value === "create";
    match.hidden = anyway;
    match.querySelectorAll("select").forEach(function (select) { select.disabled = anyway; });
  });
})();
