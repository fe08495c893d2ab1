/* The pages' behaviour, in one file: the Content-Security-Policy allows no inline
   script (config/response_headers.py), so templates say what they want with data-
   attributes and this file does it. Loaded once, after htmx, by templates/base.html;
   everything is delegated from the document, so content htmx swaps in works too. */
(function () {
  "use strict";

  /* <select data-autosubmit>: choosing submits its form (language, pipeline). */
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) select.form.submit();
  });

  /* <form data-confirm="Question?"> and <button data-confirm="Question?">: ask first.
     (The list tools' forms ask in their own handler below.) */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || form.matches("[data-list-tools]")) return;
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  /* The list tools: the filters change the address without reloading (htmx), so
     the save form and the export links take the filters from the address when used. */
  function currentFilters() {
    var params = new URLSearchParams(location.search);
    params.delete("page");
    return params;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-list-tools]")) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    if (form.elements.query) form.elements.query.value = currentFilters().toString();
    if (form.elements.next) form.elements.next.value = location.pathname + location.search;
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-export]");
    if (!link) return;
    var params = currentFilters();
    params.set("file_format", link.dataset.export);
    link.href = link.dataset.base + "?" + params.toString();
  }, true);

  /* Settings forms answer 400 (invalid) and 402 (no seat) with the form to show. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!(event.target.closest && event.target.closest(".settings"))) return;
    if ([400, 402].indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* A deal's stage form: the lost reason is asked for only when a lost stage is chosen. */
  function toggleLostReason(select) {
    var actions = select.closest("#deal-actions");
    var reason = actions && actions.querySelector(".lostreason");
    if (!reason) return;
    var option = select.options[select.selectedIndex];
    reason.hidden = !(option && option.dataset.kind === "lost") && !reason.classList.contains("invalid");
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#deal-actions [data-lost-toggle]")) toggleLostReason(event.target);
  });
  function initialise(root) {
    var selects = (root.querySelectorAll ? root : document).querySelectorAll("#deal-actions [data-lost-toggle]");
    for (var i = 0; i < selects.length; i++) toggleLostReason(selects[i]);
  }
  if (window.htmx) {
    window.htmx.onLoad(function (element) { initialise(element.closest ? (element.closest("#deal-actions") || element) : document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { initialise(document); });
  }

  /* The deals board: drag a card onto another column (or onto a won/lost drop zone
     of the bar below the board) to post the move with htmx, asking for a reason
     when the column is a lost stage (data-lost-prompt). The per-card form is the
     fallback without drag. Paused cards stay where they are. */
  function board(event) {
    return event.target.closest && event.target.closest("#kanban");
  }
  document.addEventListener("dragstart", function (event) {
    if (!board(event)) return;
    var card = event.target.closest(".dealcard");
    if (!card || card.dataset.paused) { event.preventDefault(); return; }
    card.classList.add("dragging");
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });
  document.addEventListener("dragend", function (event) {
    if (!board(event)) return;
    var card = event.target.closest(".dealcard");
    if (card) card.classList.remove("dragging");
  });
  document.addEventListener("dragover", function (event) {
    if (!board(event)) return;
    var column = event.target.closest(".column, .dropzone");
    if (column) { event.preventDefault(); column.classList.add("over"); }
  });
  document.addEventListener("dragleave", function (event) {
    if (!board(event)) return;
    var column = event.target.closest(".column, .dropzone");
    if (column) column.classList.remove("over");
  });
  document.addEventListener("drop", function (event) {
    var kanban = board(event);
    if (!kanban) return;
    var column = event.target.closest(".column, .dropzone");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("over");
    var url = event.dataTransfer.getData("text/plain");
    if (!url) return;
    var values = {stage: column.dataset.stage};
    if (column.dataset.kind === "lost") {
      var reason = window.prompt(kanban.dataset.lostPrompt);
      if (reason === null) return;
      values.lost_reason = reason;
    }
    window.htmx.ajax("POST", url, {target: "#kanban", values: values});
  });

  /* <button data-copy="#field" data-copied="Copied">: copy that field's value
     (an invitation link in the users settings). */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    var done = function () { if (button.dataset.copied) button.textContent = button.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.select();
      document.execCommand("copy");
      done();
    }
  });
})();
