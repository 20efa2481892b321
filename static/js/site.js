// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy
// (hubsync/settings.py) allows no inline script, no event-handler attributes and no
// style attributes.
(function () {
  "use strict";
  // The language menu switches as soon as a language is picked (a button does it without JS).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-submit-on-change]");
    if (select) { select.form.submit(); }
  });
  // Widths given as data-width="42" (percent), e.g. progress bars; also after a live refresh.
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (element) {
      element.style.width = element.dataset.width + "%";
    });
  }
  applyWidths(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) { applyWidths(node.parentNode || node); }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
