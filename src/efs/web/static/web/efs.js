// Behaviour the pages used to write inline (onsubmit=, onchange=, onclick=): the
// Content-Security-Policy allows only scripts served from here.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm], [data-print]") : null;
    if (!target || target.tagName === "FORM") return;
    if (target.hasAttribute("data-print")) { window.print(); return; }
    if (!window.confirm(target.getAttribute("data-confirm"))) event.preventDefault();
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
  });
})();
