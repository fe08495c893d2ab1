/* The export links' "Labels / Codes" choice (crm/_list_tools.html): added to the
   link's URL on click. A bubbling listener, so that it runs after crm.js has
   rebuilt the link from the list's current filters (a capturing one). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-export]");
    if (!link) return;
    var tools = link.closest("[data-testid='export']");
    var choice = tools && tools.querySelector("select[data-export-values]");
    if (!choice) return;
    var url = new URL(link.href, location.href);
    if (choice.value === "codes") url.searchParams.set("values", "codes");
    else url.searchParams.delete("values");
    link.href = url.toString();
  });
})();
