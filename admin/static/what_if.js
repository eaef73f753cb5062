/*
 * A what-if's progress bar, kept up to date without reloading the page. Without
 * JavaScript the page's meta refresh does the same job, more coarsely; with it, that
 * refresh is removed and the page reloads once, when the job has finished, to show the
 * result.
 */
(function () {
  "use strict";
  var box = document.querySelector(".what-if-progress");
  if (!box || box.dataset.finished === "yes") return;
  var refresh = document.getElementById("what-if-refresh");
  if (refresh) refresh.parentNode.removeChild(refresh);
  var bar = box.querySelector("progress");
  var status = box.querySelector(".what-if-status");
  var counts = box.querySelector(".what-if-counts");

  function show(state) {
    bar.max = state.total || 1;
    bar.value = state.done;
    bar.textContent = state.percent + "%";
    status.textContent = state.status;
    var text = state.done + " of " + state.total + " intakes and check-ins (" + state.percent + "%)";
    if (state.rate) text += ", " + state.rate + " a second";
    if (state.seconds_left !== null) text += ", about " + state.seconds_left + " s left";
    counts.textContent = text + ". " + state.changed + " level change(s) so far, " +
      state.less_urgent + " less urgent.";
  }

  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.finished) window.location.reload();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
