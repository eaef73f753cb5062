/*
 * Behaviour every panel page shares, attached from this file because the strict CSP
 * blocks inline handlers: ask before a form marked data-confirm is sent.
 */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}());
