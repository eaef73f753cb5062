// The exercise form's drawing preview follows the drawing chosen in the form.
(function () {
  "use strict";
  var preview = document.querySelector("[data-drawing-preview]");
  var select = document.getElementById("illustration");
  if (!preview || !select) { return; }
  function show() {
    preview.querySelectorAll("[data-preview-for]").forEach(function (pair) {
      pair.hidden = pair.getAttribute("data-preview-for") !== select.value;
    });
  }
  select.addEventListener("change", show);
  // select2 (flask-admin's widget) announces changes through jQuery only.
  if (window.jQuery) { window.jQuery(select).on("change", show); }
  show();
})();
