// The exercise form's drawing preview follows the drawing chosen in the form.
(function () {
  "use strict";
  var preview = document.querySelector("[data-drawing-preview]");
  var select = document.getElementById("illustration");
  if (!preview || !select) { return; }
  // Beside the choice it previews, not below the whole form.
  var field = select.closest(".form-group");
  if (field) { field.after(preview); }
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
