/*
 * The kanban board (core/board.html). A card dragged to another column (SortableJS), or sent
 * there with its "Move to…" menu, is put at the top of that column and its move is posted
 * (the card's data-move-url with the page's filters, the column and the card's version).
 * The answer replaces the card and, out of band, both columns' headers. A refused move puts
 * the card back where it was, its toast saying why; a move that needs more (a reason)
 * answers a dialog (#board-dialog), posted to the same address, and cancelling it puts the
 * card back too.
 */
(function () {
  "use strict";

  var htmx = window.htmx;
  var dialog = document.getElementById("board-dialog");
  // The move under way: the card, where it came from, how it was asked for, its request.
  var pending = null;

  function columnCards(key) {
    return document.querySelector('[data-board-cards][data-column="' + CSS.escape(key) + '"]');
  }

  function focusMenu(pk) {
    var card = document.getElementById("board-card-" + pk);
    var menu = card && card.querySelector("[data-board-menu]");
    if (menu) menu.focus();
  }

  function send(card, key, from, next, viaMenu) {
    var target = columnCards(key);
    target.insertBefore(card, target.firstElementChild);
    pending = { card: card, from: from, next: next, pk: card.dataset.pk, viaMenu: viaMenu, xhr: null };
    htmx.ajax("POST", card.dataset.moveUrl + window.location.search, {
      source: card,
      target: card,
      swap: "outerHTML",
      values: { column: key, version: card.dataset.version },
    });
  }

  function putBack() {
    var move = pending;
    pending = null;
    if (!move || !move.card.isConnected) return;
    var next = move.next && move.next.parentNode === move.from ? move.next : null;
    move.from.insertBefore(move.card, next || move.from.querySelector("[data-board-more]"));
    if (move.viaMenu) focusMenu(move.pk);
  }

  function hideDialog() {
    if (dialog && dialog.classList.contains("show")) window.tabler.Modal.getOrCreateInstance(dialog).hide();
  }

  function sortable(list) {
    if (window.Sortable.get(list)) return;
    var next = null;
    window.Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: "[data-card]",
      filter: ".dropdown",
      preventOnFilter: false,
      // Mouse and touch alike are followed by the script, not the browser's drag and drop;
      // on a touch screen a card is held a moment before it moves, so a swipe scrolls.
      forceFallback: true,
      fallbackTolerance: 4,
      delay: 200,
      delayOnTouchOnly: true,
      disabled: !list.closest("[data-can-move]"),
      onStart: function (event) { next = event.item.nextElementSibling; },
      onEnd: function (event) {
        if (event.to === event.from) return;
        if (pending) {
          event.from.insertBefore(event.item, next);
          return;
        }
        send(event.item, event.to.dataset.column, event.from, next, false);
      },
    });
  }

  function start(root) {
    if (!root.querySelectorAll || !window.Sortable) return;
    var lists = Array.prototype.slice.call(root.querySelectorAll("[data-board-cards]"));
    if (root.matches && root.matches("[data-board-cards]")) lists.push(root);
    lists.forEach(sortable);
  }

  // A card's menu offers every other column, from the board's one list of them, as it opens.
  document.addEventListener("show.bs.dropdown", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-board-menu]");
    var items = document.getElementById("board-move-items");
    if (!toggle || !items) return;
    var card = toggle.closest("[data-card]");
    var menu = toggle.parentNode.querySelector("[data-board-menu-items]");
    menu.replaceChildren(items.content.cloneNode(true));
    menu.querySelectorAll("[data-board-move-to]").forEach(function (item) {
      if (item.dataset.boardMoveTo === card.parentNode.dataset.column) item.remove();
    });
  });

  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-board-move-to]");
    var card = item && item.closest("[data-card]");
    if (!card || pending || !columnCards(item.dataset.boardMoveTo)) return;
    send(card, item.dataset.boardMoveTo, card.parentNode, card.nextElementSibling, true);
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (pending && (elt === pending.card || (dialog && dialog.contains(elt)))) {
      pending.xhr = event.detail.xhr;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (!pending || event.detail.xhr !== pending.xhr) return;
    var xhr = event.detail.xhr;
    if (xhr.status === 200) {
      var move = pending;
      pending = null;
      hideDialog();
      if (move.viaMenu) focusMenu(move.pk);
    } else if (!xhr.getResponseHeader("HX-Retarget")) {
      putBack();
      hideDialog();
    }
    // Else the dialog has come, asking for what the move needs.
  });

  if (dialog) {
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "board-dialog-content") {
        window.tabler.Modal.getOrCreateInstance(dialog).show();
      }
    });
    // The first field takes the focus once the dialog shows and once htmx has settled the
    // swap (which puts the focus back where it was before it).
    function focusField() {
      var field = dialog.querySelector(".modal-body :is(input:not([type=hidden]), select, textarea)");
      if (field && dialog.classList.contains("show")) field.focus();
    }
    dialog.addEventListener("shown.bs.modal", focusField);
    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (event.detail.target && event.detail.target.id === "board-dialog-content") focusField();
    });
    dialog.addEventListener("hidden.bs.modal", function () {
      if (pending) putBack();
    });
  }

  htmx.onLoad(start);
})();
