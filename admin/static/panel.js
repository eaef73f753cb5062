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
  // Links that lead nowhere: flask-admin's href="javascript:void(0)" (the active tab,
  // the current page number), which the CSP refuses and reports on every click, and the
  // href="#" of the panel's menu and filter links (panel/list.html), which would jump to
  // the top of the page. Cancelling the click is all they meant; their own handlers still
  // run. Caught on the way down (capture): some menu scripts stop the click bubbling.
  var NOWHERE = 'a[href^="javascript:"], .field-filters a.filter[href="#"], ' +
                'a.dropdown-toggle[href="#"], a.remove-filter[href="#"]';
  document.addEventListener("click", function (event) {
    if (event.target.closest(NOWHERE)) event.preventDefault();
  }, true);
}());
