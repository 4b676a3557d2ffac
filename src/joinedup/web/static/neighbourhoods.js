// While scenarios are running, the study page reloads itself every two seconds to show progress.
(function () {
  var status = document.querySelector("[data-refresh-ms]");
  if (status) {
    window.setTimeout(function () { window.location.reload(); }, Number(status.getAttribute("data-refresh-ms")) || 2000);
  }
})();
