// Small improvements for browsers with JavaScript; every page works without it.
(function () {
  "use strict";

  // "Print or save this page" buttons exist only where printing can be started from here.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Error summary links: move focus to the answer itself, and show its question too,
  // not just the control (a plain in-page link only scrolls).
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var question = target.closest(".question") || target;
      question.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  });
})();
