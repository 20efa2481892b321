// The main settings form: after a failed Save, bring the first field in error into view;
// keep unsaved changes from vanishing when the admin uses another form on the page or
// leaves it (a confirmation first). Forms marked data-keeps-draft carry the draft along.
(function () {
  "use strict";
  var form = document.getElementById("settings-main-form");
  if (!form) { return; }

  var invalid = form.querySelector(".is-invalid, .invalid-feedback");
  function showInvalid() {
    invalid.scrollIntoView({ block: "center", behavior: "instant" });
    if (typeof invalid.focus === "function") { invalid.focus({ preventScroll: true }); }
  }
  if (invalid) {
    // Once laid out in full (the browser may restore the scroll position until then).
    if (document.readyState === "complete") { showInvalid(); }
    else { window.addEventListener("load", function () { window.setTimeout(showInvalid, 0); }); }
  }

  function serialized() {
    return new URLSearchParams(new FormData(form)).toString();
  }
  var saved = form.dataset.unsaved === "1" ? null : serialized();
  function dirty() { return saved === null || serialized() !== saved; }
  var leaving = false;
  var message = form.dataset.leaveMessage;

  form.addEventListener("submit", function () { leaving = true; });
  document.querySelectorAll("form").forEach(function (other) {
    if (other === form || other.dataset.keepsDraft) { return; }
    other.addEventListener("submit", function (event) {
      if (dirty() && !window.confirm(message)) {
        event.preventDefault();
        return;
      }
      leaving = true;
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (!leaving && dirty()) {
      event.preventDefault();
      event.returnValue = message;
    }
  });
})();
