// Salesforce Credentials: show the fields (and the button) of the chosen login method.
// Without JavaScript every field shows; the server ignores what a method does not use.
(function () {
  const form = document.getElementById("credentials-form") || document.querySelector("#section-credentials form");
  if (!form) return;
  const radios = form.querySelectorAll('input[name="method"]');
  function show() {
    const chosen = form.querySelector('input[name="method"]:checked');
    const method = chosen ? chosen.value : "";
    form.querySelectorAll(".credentials-method").forEach(function (element) {
      const methods = (element.dataset.method || "").split(" ");
      element.hidden = !methods.includes(method);
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
})();
