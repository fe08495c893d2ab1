/* The lists' bulk bar (crm/templates/crm/lists/_bulk_bar.html): the header
   checkbox ticks every row of the page, and the bar counts the ticked rows
   ("N selected"). Delegated from the document, so a table htmx swaps in (new
   filters, another page) works too; its rows start unticked. */
(function () {
  "use strict";

  function rowsOf(form) {
    return document.querySelectorAll('input[data-bulk-row][form="' + form.id + '"]');
  }

  function update(form) {
    var rows = rowsOf(form);
    var ticked = 0;
    for (var i = 0; i < rows.length; i++) if (rows[i].checked) ticked++;
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = count.dataset.template.replace("__N__", String(ticked));
    form.classList.toggle("active", ticked > 0);
    // Nothing ticked, nothing to act on (without this script the page answers so).
    var buttons = form.querySelectorAll("button[name=action]");
    for (var j = 0; j < buttons.length; j++) buttons[j].disabled = ticked === 0;
    var all = document.querySelector('input[data-bulk-all]');
    if (all) {
      all.checked = rows.length > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    }
  }

  function formOf(element) {
    var table = element.closest("table");
    var row = table && table.querySelector("input[data-bulk-row]");
    return row ? document.getElementById(row.getAttribute("form")) : null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches) return;
    if (input.matches("input[data-bulk-row]")) {
      update(document.getElementById(input.getAttribute("form")));
    } else if (input.matches("input[data-bulk-all]")) {
      var form = formOf(input);
      if (!form) return;
      var rows = rowsOf(form);
      for (var i = 0; i < rows.length; i++) rows[i].checked = input.checked;
      update(form);
    }
  });

  function refresh() {
    var forms = document.querySelectorAll("form[data-bulk-form]");
    for (var i = 0; i < forms.length; i++) update(forms[i]);
  }
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
})();
