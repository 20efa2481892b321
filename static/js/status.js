// Refreshes the sync status panel without reloading the page:
// every second while a cycle runs, every 3 seconds otherwise.
(function () {
  "use strict";
  function schedule(panel) {
    var delay = panel.dataset.state === "running" ? 1000 : 3000;
    window.setTimeout(function () { refresh(panel); }, delay);
  }
  function refresh(panel) {
    fetch(panel.dataset.url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (fresh && fresh.id === "sync-status") {
          panel.replaceWith(fresh);
          panel = fresh;
        }
      })
      .catch(function () { /* keep the last state; try again later */ })
      .finally(function () { schedule(panel); });
  }
  var panel = document.getElementById("sync-status");
  if (panel) { schedule(panel); }
})();
