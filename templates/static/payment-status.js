// Polls the payment's JSON status while a PromptPay payment is pending and says "paid" once,
// in a polite live region, when the bank's confirmation arrives (no page reload under a
// screen-reader user, WCAG 2.2.1). Without script, reloading the page shows the same.
(function () {
  "use strict";
  var box = document.getElementById("payment");
  if (!box || box.dataset.status !== "pending") return;
  var statusLine = document.getElementById("payment-status");

  function paid(body) {
    box.dataset.status = "paid";
    statusLine.textContent = statusLine.dataset.paidText;
    statusLine.classList.add("success");
    var links = document.getElementById("payment-links");
    if (links) {
      var receipt = document.getElementById("receipt-link");
      if (receipt && body.receipt) receipt.href = "/documents/" + encodeURIComponent(body.receipt);
      links.hidden = false;
    }
    var due = document.getElementById("fee-due");
    if (due) due.hidden = true;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (body) {
        if (body.status === "paid") paid(body);
        else window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 2000);
})();
