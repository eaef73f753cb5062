// Small improvements for browsers with JavaScript; every page works without it.
(function () {
  "use strict";

  // "Print" buttons exist only where printing can be started from here.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Paper cannot open a folded section: open them all before printing.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
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

  // Follow-up questions appear as soon as the answer that calls for them is chosen
  // (without a script, the server shows them after the page is sent). Hidden, their
  // controls are disabled, so they are neither sent nor required.
  document.querySelectorAll(".follow-up[data-follows]").forEach(function (box) {
    var form = box.closest("form");
    var parent = box.getAttribute("data-follows");
    function update() {
      var chosen = form.querySelector("input[name='" + parent + "']:checked");
      var show = !!chosen && chosen.value === box.getAttribute("data-when");
      box.hidden = !show;
      box.querySelectorAll("input, select, textarea").forEach(function (control) {
        control.disabled = !show;
      });
    }
    form.querySelectorAll("input[name='" + parent + "']").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();
