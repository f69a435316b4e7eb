/* What the pages once did in inline handlers, here because the Content
   Security Policy runs no inline script (docs/security.md). Delegated from
   the document, so content htmx swaps in works the same:
   - <select data-autosubmit> submits its form when changed (the language);
   - [data-print] prints the page (a service guide);
   - [data-back] goes back in the browser's history (the error pages). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-back]") : null;
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-print")) { window.print(); } else { window.history.back(); }
  });
})();
