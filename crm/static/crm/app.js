/*
 * CRM page behaviour shared by every screen: toasts, request progress, htmx error feedback,
 * Tom Select, the global search dropdown and keyboard shortcuts.
 *
 * Contracts other templates rely on:
 *   - an htmx response header  HX-Trigger: {"toast": {"level": "success", "message": "..."}}
 *     shows a toast (levels: success, info, warning, error);
 *   - select.tom-select becomes a Tom Select; with data-remote (an API collection) it loads options
 *     from  URL?q=...  answering {"items": [{"id": 1, "name": "..."}]}, showing beside the name
 *     the item's fields listed in data-remote-detail (space-separated);
 *   - data-shortcut="new" / "edit" / "cancel" mark what n, e and Esc click;
 *     form[data-shortcut="save"] is what Ctrl/⌘+S submits when no form has the focus;
 *   - list rows carry data-row (and optionally data-href) for j / k / Enter;
 *   - textarea[data-mentions="<hidden input id>"] offers people to @mention as one types.
 */
(function () {
  "use strict";

  var tabler = window.tabler || {};
  var body = document.body;
  var i18n = {};
  try {
    i18n = JSON.parse((document.getElementById("crm-i18n") || {}).textContent || "{}");
  } catch (error) {
    i18n = {};
  }

  /* ---------------------------------------------------------------- toasts */

  function startToast(el) {
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
    if (tabler.Toast) {
      tabler.Toast.getOrCreateInstance(el, { delay: 5000 }).show();
    } else {
      el.classList.add("show");
    }
  }

  function showToast(level, message) {
    var template = document.getElementById("toast-template");
    var container = document.getElementById("toasts");
    if (!template || !container || !message) return;
    var el = template.content.firstElementChild.cloneNode(true);
    level = ["success", "info", "warning", "error"].indexOf(level) >= 0 ? level : "info";
    el.classList.add("crm-toast-" + level);
    if (level === "error") {
      el.setAttribute("role", "alert");
      el.setAttribute("data-bs-autohide", "false");
    }
    el.querySelector(".toast-body").textContent = message;
    container.appendChild(el);
    startToast(el);
  }

  window.crm = { toast: showToast };

  document.querySelectorAll("#toasts [data-crm-show]").forEach(startToast);
  body.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.level, detail.message || detail.value);
  });

  /* ------------------------------------------------------ request progress */

  var progress = document.getElementById("crm-progress");
  var pending = 0;
  var progressTimer = null;

  function requestStarted() {
    pending += 1;
    if (pending === 1 && progress) {
      // Only requests slower than a moment get the bar; fast ones would just flicker.
      progressTimer = window.setTimeout(function () {
        progress.classList.add("is-loading");
        body.setAttribute("aria-busy", "true");
      }, 300);
    }
  }

  function requestEnded() {
    pending = Math.max(0, pending - 1);
    if (pending === 0 && progress) {
      window.clearTimeout(progressTimer);
      progress.classList.remove("is-loading");
      body.removeAttribute("aria-busy");
    }
  }

  body.addEventListener("htmx:beforeSend", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr) return;
    requestStarted();
    xhr.addEventListener("loadend", requestEnded, { once: true });
  });

  /* ------------------------------------------------- htmx error feedback */

  function serverMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") >= 0) {
      try {
        var data = JSON.parse(xhr.responseText);
        if (data && typeof data.message === "string") return data.message;
      } catch (error) { /* not JSON after all */ }
    }
    return "";
  }

  body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if ((xhr.getResponseHeader("HX-Trigger") || "").indexOf("toast") >= 0) return;
    var message = serverMessage(xhr);
    if (!message) {
      if (xhr.status === 401) message = i18n.session;
      else if (xhr.status === 403) message = i18n.forbidden;
      else if (xhr.status === 404) message = i18n.notFound;
      else message = i18n.server;
    }
    showToast("error", message);
  });
  body.addEventListener("htmx:sendError", function () { showToast("error", i18n.network); });
  body.addEventListener("htmx:timeout", function () { showToast("error", i18n.network); });

  // A request answered by the login page means the session ended: go there instead of
  // swapping a login form into part of the page.
  body.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = body.dataset.loginUrl;
    var xhr = event.detail.xhr;
    if (!loginUrl || !xhr || !xhr.responseURL) return;
    var answered = new URL(xhr.responseURL, window.location.href);
    if (answered.pathname === loginUrl && window.location.pathname !== loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(loginUrl + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search));
    }
  });

  /* ------------------------------------------------------------ Tom Select */

  function initTomSelect(root) {
    if (!window.TomSelect || !root || !root.querySelectorAll) return;
    root.querySelectorAll("select.tom-select:not(.tomselected)").forEach(function (select) {
      var options = {
        maxOptions: 200,
        allowEmptyOption: true,
        // Filter as each key is typed: a refresh Tom Select delays (300 ms by default) would
        // reopen a field the user has already left for the next one, taking the focus back.
        refreshThrottle: 0,
        plugins: select.multiple ? ["remove_button"] : [],
      };
      // data-remote names an API collection: options come from its quick search.
      var url = select.dataset.remote;
      if (url) {
        options.valueField = "id";
        options.labelField = "name";
        options.searchField = [];
        options.preload = "focus";
        options.load = function (query, callback) {
          var tom = this;
          var sep = url.indexOf("?") >= 0 ? "&" : "?";
          fetch(url + sep + "limit=20&q=" + encodeURIComponent(query), {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          })
            .then(function (response) { return response.ok ? response.json() : { items: [] }; })
            .then(function (page) {
              // The server's answer to what is typed now, not everything loaded so far (the
              // chosen option stays).
              tom.clearOptions();
              callback(page.items || []);
            })
            .catch(function () { callback(); });
        };
        // data-remote-detail names fields shown beside the name (a code, a specification).
        var detail = (select.dataset.remoteDetail || "").split(" ").filter(Boolean);
        if (detail.length) {
          var render = function (item, escape) {
            var extra = detail.map(function (key) { return item[key]; }).filter(Boolean);
            return "<div>" + escape(item.name) + (extra.length
              ? ' <span class="text-secondary small">' + escape(extra.join(" · ")) + "</span>"
              : "") + "</div>";
          };
          options.render = { option: render, item: render };
        }
      }
      if (select.dataset.division) divisionOptions(select, options);
      new window.TomSelect(select, options);
      // Tom Select moves the label to its own input; the select keeps its name too.
      var label = document.getElementById(select.id + "-ts-label");
      if (label) select.setAttribute("aria-labelledby", label.id);
    });
  }

  /* Province / city / district (select[data-division]): offered in cascade from the GB/T 2260
     divisions (data-source, loaded once), or typed freely for an address abroad. */

  var divisionTrees = {};
  var DIVISION_LEVELS = ["province", "city", "district"];

  function divisionTree(url) {
    if (!divisionTrees[url]) {
      divisionTrees[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) { return data.provinces || {}; })
        .catch(function () { return {}; });
    }
    return divisionTrees[url];
  }

  // A division by its name, also when typed without its suffix (深圳 for 深圳市).
  function division(children, name) {
    if (!children || !name || Array.isArray(children)) return null;
    return children[name] || children[name + "市"] || children[name + "省"] || null;
  }

  function divisionField(select, level) {
    var scope = select.form || document;
    return scope.querySelector('select[data-division="' + level + '"]');
  }

  function divisionNames(tree, select) {
    var level = DIVISION_LEVELS.indexOf(select.dataset.division);
    var children = tree;
    for (var i = 0; i < level && children; i += 1) {
      var above = divisionField(select, DIVISION_LEVELS[i]);
      children = division(children, above ? above.value : "");
    }
    if (!children) return [];
    return Array.isArray(children) ? children : Object.keys(children);
  }

  function offerDivisions(widget, tree) {
    var chosen = widget.getValue();
    widget.clearOptions();
    divisionNames(tree, widget.input).forEach(function (name) {
      if (name !== chosen) widget.addOption({ value: name, text: name });
    });
    widget.refreshOptions(false);
  }

  function divisionOptions(select, options) {
    var tree = null;
    divisionTree(select.dataset.source).then(function (loaded) {
      tree = loaded;
      if (select.tomselect && select.tomselect.isFocused) offerDivisions(select.tomselect, tree);
    });
    options.create = true;
    options.createOnBlur = true;
    options.maxItems = 1;
    // What is offered depends on the levels above, as they are when the field is entered.
    options.onFocus = function () {
      if (tree) offerDivisions(select.tomselect, tree);
    };
    // A new province empties the city and district below it; a new city, the district.
    options.onChange = function () {
      var level = DIVISION_LEVELS.indexOf(select.dataset.division);
      DIVISION_LEVELS.slice(level + 1).forEach(function (below) {
        var field = divisionField(select, below);
        if (field && field.tomselect) field.tomselect.clear(true);
      });
    };
  }

  // Page snapshots restored from history hold Tom Select's markup but no live widget.
  function resetRestoredTomSelects(root) {
    root.querySelectorAll(".ts-wrapper").forEach(function (wrapper) { wrapper.remove(); });
    root.querySelectorAll("select.tomselected").forEach(function (select) {
      select.classList.remove("tomselected", "ts-hidden-accessible");
      select.removeAttribute("tabindex");
      select.removeAttribute("hidden");
      var label = root.querySelector('label[for="' + select.id + '-ts-control"]');
      if (label) label.setAttribute("for", select.id);
    });
  }

  /* ------------------------------------------------------- form feedback */

  // After a refused save: the conflict or error banner, else the first field with an error,
  // is scrolled to and focused, so the user sees at once what to fix.
  function focusFirstError(root) {
    if (!root.querySelectorAll) return;
    var forms = Array.prototype.slice.call(root.querySelectorAll('form[method="post"]'));
    if (root.matches && root.matches('form[method="post"]')) forms.unshift(root);
    var first = null;
    for (var i = 0; i < forms.length && !first; i += 1) {
      first = forms[i].querySelector(".alert-danger, .is-invalid");
    }
    if (!first) return;
    var target = first;
    if (first.tomselect) {
      target = first.tomselect.control_input;
    } else if (first.classList.contains("alert-danger")) {
      first.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    (first.tomselect ? first.tomselect.wrapper : first).scrollIntoView({ block: "center" });
  }

  // A masked number (138****5678) is kept when left untouched; whatever is typed, pasted or
  // deleted in it replaces it whole, so the old number is never half-edited (nor shown).
  function stillMasked(input) {
    return input.matches && input.matches("input[data-masked]") &&
      input.value === input.dataset.masked;
  }
  body.addEventListener("focusin", function (event) {
    var input = event.target;
    // Selected once the click has placed the caret, unless typing has replaced it already.
    if (stillMasked(input)) window.setTimeout(function () { if (stillMasked(input)) input.select(); }, 0);
  });
  body.addEventListener("beforeinput", function (event) {
    var input = event.target;
    if (!stillMasked(input) || !/^(insert|delete)/.test(event.inputType || "")) return;
    if (event.inputType === "insertCompositionText") return;
    event.preventDefault();
    var typed = event.data || (event.dataTransfer ? event.dataTransfer.getData("text") : "");
    input.value = /^delete/.test(event.inputType) ? "" : typed;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  /* -------------------------------------------------- global search box */

  var searchInput = document.getElementById("global-search");
  var searchResults = document.getElementById("search-results");
  var searchForm = searchInput ? searchInput.form : null;

  function setSearchOpen(open) {
    if (!searchResults) return;
    open = open && searchResults.textContent.trim() !== "";
    searchResults.classList.toggle("show", open);
    searchInput.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function searchHits() {
    return Array.prototype.slice.call(searchResults.querySelectorAll("a.crm-search-hit"));
  }

  function focusHit(hits, index) {
    hits.forEach(function (hit, i) { hit.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (hits[index]) hits[index].focus();
  }

  function focusSearch() {
    if (!searchInput) return;
    searchInput.focus();
    searchInput.select();
  }

  if (searchInput && searchResults) {
    body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === searchResults) {
        setSearchOpen(searchForm.contains(document.activeElement));
      }
    });
    searchInput.addEventListener("focus", function () { setSearchOpen(searchInput.value.trim() !== ""); });
    searchInput.addEventListener("input", function () {
      if (searchInput.value.trim() === "") {
        searchResults.innerHTML = "";
        setSearchOpen(false);
      }
    });
    searchInput.addEventListener("keydown", function (event) {
      if (event.isComposing || event.keyCode === 229) return;
      if (event.key === "ArrowDown" && searchResults.classList.contains("show")) {
        event.preventDefault();
        focusHit(searchHits(), 0);
      }
    });
    // Capturing on window runs before Bootstrap's dropdown handler (document, capture),
    // which would otherwise look for a dropdown toggle this menu does not have.
    window.addEventListener("keydown", function (event) {
      if (!searchResults.contains(event.target)) return;
      var hits = searchHits();
      var index = hits.indexOf(document.activeElement);
      if (event.key === "ArrowDown") {
        focusHit(hits, Math.min(index + 1, hits.length - 1));
      } else if (event.key === "ArrowUp") {
        if (index <= 0) searchInput.focus();
        else focusHit(hits, index - 1);
      } else if (event.key === "Escape") {
        setSearchOpen(false);
        searchInput.focus();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    }, true);
    searchForm.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !searchForm.contains(event.relatedTarget)) setSearchOpen(false);
    });
  }

  /* ---------------------------------------------------- keyboard shortcuts */

  function isTyping(target) {
    if (!target || target === body) return false;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function visible(el) {
    return !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
  }

  function clickShortcut(name) {
    var candidates = document.querySelectorAll('[data-shortcut="' + name + '"]');
    for (var i = 0; i < candidates.length; i += 1) {
      if (visible(candidates[i]) && !candidates[i].disabled) {
        candidates[i].click();
        return true;
      }
    }
    return false;
  }

  function showShortcuts() {
    var modal = document.getElementById("shortcuts-modal");
    if (modal && tabler.Modal) tabler.Modal.getOrCreateInstance(modal).show();
  }

  function formToSave() {
    var active = document.activeElement;
    var form = active && active.closest ? active.closest("form") : null;
    if (form && form !== searchForm && (form.method || "").toLowerCase() === "post") return form;
    form = document.querySelector('form[data-shortcut="save"]');
    return visible(form) ? form : null;
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-row]"), visible);
  }

  function selectedRow() {
    return document.querySelector("[data-row].crm-selected");
  }

  function moveSelection(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(selectedRow());
    var next = index < 0 ? (step > 0 ? 0 : list.length - 1)
      : Math.max(0, Math.min(list.length - 1, index + step));
    list.forEach(function (row) { row.classList.remove("crm-selected"); });
    var row = list[next];
    row.classList.add("crm-selected");
    if (!row.hasAttribute("tabindex")) row.setAttribute("tabindex", "-1");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function openRow(row) {
    if (row.dataset.href) {
      window.location.assign(row.dataset.href);
      return;
    }
    var link = row.matches("a[href]") ? row : row.querySelector("a[href]");
    if (link) link.click();
  }

  function escape(event) {
    var modal = document.querySelector(".modal.show");
    if (modal) {
      // Bootstrap closes a dialog itself only once the focus is inside it.
      if (tabler.Modal) tabler.Modal.getOrCreateInstance(modal).hide();
      return;
    }
    if (searchResults && searchResults.classList.contains("show")) {
      setSearchOpen(false);
      searchInput.focus();
      event.preventDefault();
      return;
    }
    if (clickShortcut("cancel")) {
      event.preventDefault();
      return;
    }
    if (document.activeElement === searchInput) searchInput.blur();
  }

  document.addEventListener("keydown", function (event) {
    // Never act while an input method is composing (拼音 candidates use these keys).
    if (event.isComposing || event.keyCode === 229) return;
    var key = event.key;
    var mod = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
    if (mod && (key === "k" || key === "K")) {
      event.preventDefault();
      focusSearch();
      return;
    }
    if (mod && (key === "s" || key === "S")) {
      var form = formToSave();
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (key === "Escape") {
      escape(event);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector(".modal.show")) return;
    if (key === "?") {
      event.preventDefault();
      showShortcuts();
    } else if (key === "/") {
      event.preventDefault();
      focusSearch();
    } else if (key === "n") {
      if (clickShortcut("new")) event.preventDefault();
    } else if (key === "e") {
      if (clickShortcut("edit")) event.preventDefault();
    } else if (key === "j" || key === "k") {
      event.preventDefault();
      moveSelection(key === "j" ? 1 : -1);
    } else if (key === "Enter") {
      var row = selectedRow();
      if (row && (event.target === body || event.target === row)) {
        event.preventDefault();
        openRow(row);
      }
    }
  });

  document.querySelectorAll('[data-crm-action="shortcuts"]').forEach(function (button) {
    button.addEventListener("click", showShortcuts);
  });

  /* ------------------------------------------------------- htmx history */

  // Snapshots of pages (with customer data) live in localStorage: forget them on sign-out.
  function forgetHistory() {
    try {
      window.localStorage.removeItem("htmx-history-cache");
    } catch (error) { /* storage disabled */ }
  }
  document.querySelectorAll("form[data-crm-logout]").forEach(function (form) {
    form.addEventListener("submit", forgetHistory);
  });
  if (document.querySelector("[data-crm-signed-out]")) forgetHistory();

  body.addEventListener("htmx:beforeHistorySave", function () {
    setSearchOpen(false);
    document.querySelectorAll("#toasts .toast").forEach(function (toast) { toast.remove(); });
    document.querySelectorAll("[data-row].crm-selected").forEach(function (row) {
      row.classList.remove("crm-selected");
    });
  });
  body.addEventListener("htmx:historyRestore", function () {
    resetRestoredTomSelects(document);
    initTomSelect(document.body);
  });

  /* ------------------------------------------------------------ @mentions */

  // A textarea with data-mentions="<id of a hidden input>" offers people as "@" is typed
  // (body[data-people-url] answers {"items": [{id, name, username}]}); choosing one puts
  // "@Name " in the text and the person's id in the hidden input.
  var mention = { area: null, menu: null, items: [], active: -1, start: -1, timer: null, seq: 0 };

  function mentionQuery(area) {
    var before = area.value.slice(0, area.selectionStart);
    var at = before.lastIndexOf("@");
    if (at < 0 || (at > 0 && !/\s/.test(before.charAt(at - 1)))) return null;
    var query = before.slice(at + 1);
    if (query.length > 20 || /[\s@]/.test(query)) return null;
    return { start: at, query: query };
  }

  function closeMentions() {
    if (mention.menu) mention.menu.remove();
    if (mention.area) mention.area.removeAttribute("aria-activedescendant");
    mention.menu = null;
    mention.items = [];
    mention.active = -1;
  }

  function markActive(index) {
    if (!mention.menu) return;
    mention.active = index;
    mention.menu.querySelectorAll("[role=option]").forEach(function (option, i) {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) mention.area.setAttribute("aria-activedescendant", "mention-option-" + index);
  }

  function chooseMention(index) {
    var person = mention.items[index];
    var area = mention.area;
    if (!person || !area) return;
    var text = "@" + person.name + " ";
    var end = area.selectionStart;
    area.value = area.value.slice(0, mention.start) + text + area.value.slice(end);
    var caret = mention.start + text.length;
    area.setSelectionRange(caret, caret);
    var hidden = document.getElementById(area.getAttribute("data-mentions"));
    if (hidden) {
      var ids = hidden.value ? hidden.value.split(",") : [];
      if (ids.indexOf(String(person.id)) < 0) ids.push(String(person.id));
      hidden.value = ids.join(",");
    }
    closeMentions();
    area.focus();
  }

  function showMentions(area, people) {
    closeMentions();
    mention.area = area;
    mention.items = people;
    if (!people.length) return;
    var menu = document.createElement("div");
    menu.className = "dropdown-menu show crm-mention-menu";
    menu.id = "mention-menu";
    menu.setAttribute("role", "listbox");
    menu.setAttribute("aria-label", i18n.mentionPeople || "@");
    people.forEach(function (person, i) {
      var option = document.createElement("button");
      option.type = "button";
      option.className = "dropdown-item";
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("tabindex", "-1");
      option.textContent = person.name;
      var login = document.createElement("span");
      login.className = "ms-2 small";
      login.textContent = "@" + person.username;
      option.appendChild(login);
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        chooseMention(i);
      });
      menu.appendChild(option);
    });
    area.parentNode.appendChild(menu);
    mention.menu = menu;
    area.setAttribute("aria-controls", "mention-menu");
    markActive(0);
  }

  function lookUpMentions(area) {
    var url = body.getAttribute("data-people-url");
    var found = mentionQuery(area);
    if (!url || !found) { closeMentions(); return; }
    mention.start = found.start;
    var seq = ++mention.seq;
    var sep = url.indexOf("?") >= 0 ? "&" : "?";
    window.fetch(url + sep + "q=" + encodeURIComponent(found.query), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { items: [] };
    }).then(function (data) {
      if (seq === mention.seq && document.activeElement === area) showMentions(area, data.items || []);
    }).catch(function () { closeMentions(); });
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-mentions]") || event.isComposing) return;
    window.clearTimeout(mention.timer);
    mention.timer = window.setTimeout(function () { lookUpMentions(area); }, 150);
  });
  document.addEventListener("compositionend", function (event) {
    var area = event.target;
    if (area.matches && area.matches("textarea[data-mentions]")) lookUpMentions(area);
  });
  document.addEventListener("keydown", function (event) {
    if (!mention.menu || event.target !== mention.area || event.isComposing) return;
    var count = mention.items.length;
    var handled = true;
    if (event.key === "ArrowDown") markActive((mention.active + 1) % count);
    else if (event.key === "ArrowUp") markActive((mention.active - 1 + count) % count);
    else if (event.key === "Enter" || event.key === "Tab") chooseMention(Math.max(mention.active, 0));
    else if (event.key === "Escape") closeMentions();
    else handled = false;
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  document.addEventListener("focusout", function (event) {
    if (event.target === mention.area) closeMentions();
  });
  // A sent comment's form is reset: forget the people it mentioned.
  document.addEventListener("reset", function (event) {
    event.target.querySelectorAll("textarea[data-mentions]").forEach(function (area) {
      var hidden = document.getElementById(area.getAttribute("data-mentions"));
      if (hidden) hidden.value = "";
    });
    closeMentions();
  });

  /* ------------------------------------------------------------- start */

  // A table wider than its card scrolls sideways inside it: keyboard users reach it with Tab
  // and scroll it with the arrow keys.
  function reachScrollers(root) {
    if (!root.querySelectorAll) return;
    var boxes = Array.prototype.slice.call(root.querySelectorAll(".table-responsive"));
    if (root.matches && root.matches(".table-responsive")) boxes.push(root);
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () { reachScrollers(document); }, 200);
  });

  // The page, then each part htmx puts in (a form sent back with its errors among them).
  function started(root) {
    initTomSelect(root);
    reachScrollers(root);
    focusFirstError(root);
  }
  if (window.htmx) {
    window.htmx.onLoad(started);
  } else {
    started(document.body);
  }
  body.addEventListener("htmx:afterSettle", function () { initTomSelect(document.body); });
})();
