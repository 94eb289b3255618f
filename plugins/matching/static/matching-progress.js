// The matching review panel's running run: ask its status route every few seconds and update the status line and
// the progress bar in place; once the run has ended, reload the page once to show its proposals (or its end).
(function () {
  "use strict";
  var box = document.getElementById("matching-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var line = document.getElementById("matching-status");
  var bar = document.getElementById("matching-progress-bar");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        if (!status.running) { window.location.reload(); return; }
        if (line.textContent !== status.text) { line.textContent = status.text; }
        bar.value = status.percent;
        bar.textContent = status.percent + " %";
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
