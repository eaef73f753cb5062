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
  // Links that only open a menu or add a filter (href="#", see panel/list.html) must not
  // also jump to the top of the page. Caught on the way down (capture), as some menu
  // scripts stop the click from bubbling; flask-admin's own handlers still run.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(
      '.field-filters a.filter[href="#"], a.dropdown-toggle[href="#"], a.remove-filter[href="#"]');
    if (link) event.preventDefault();
  }, true);
  // flask-admin marks links that do nothing (the active tab, the current page number)
  // with href="javascript:void(0)". The CSP refuses to run a javascript: URL and reports
  // it as an error on each click: cancel the click, which is all the link meant.
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="javascript:"]');
    if (link) event.preventDefault();
  }, true);
}());
