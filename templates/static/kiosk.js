// Kiosk pages: polls the portal while the citizen signs in on their phone, counts down, and
// finishes a session whose time is up. Same-origin only (CSP script-src 'self').
(function () {
  "use strict";

  function format(seconds) {
    var s = Math.max(0, seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function countdown(onZero) {
    var clock = document.getElementById("kiosk-countdown");
    if (!clock) return;
    var end = Date.now() + Number(clock.dataset.seconds) * 1000;
    var timer = window.setInterval(function () {
      var left = Math.round((end - Date.now()) / 1000);
      clock.textContent = format(left);
      if (left <= 0) {
        window.clearInterval(timer);
        if (onZero) onZero();
      }
    }, 1000);
  }

  function show(state) {
    var status = document.getElementById("kiosk-status");
    if (!status) return;
    status.querySelectorAll("[data-state]").forEach(function (el) {
      el.hidden = el.dataset.state !== state;
    });
  }

  var signIn = document.getElementById("kiosk-sign-in");
  if (signIn) {
    var interval = Number(signIn.dataset.interval) || 5;
    var done = false;
    var poll = function () {
      fetch(signIn.dataset.statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (body) {
          if (body.state === "pending") {
            if (body.interval) interval = Number(body.interval);
            window.setTimeout(poll, interval * 1000);
            return;
          }
          done = true;
          show(body.state || "failed");
          if (body.state === "signed_in") window.location.assign(body.next || "/kiosk/home");
        })
        .catch(function () {
          window.setTimeout(poll, interval * 1000);
        });
    };
    window.setTimeout(poll, interval * 1000);
    countdown(function () {
      if (!done) show("expired");
    });
  }

  var home = document.getElementById("kiosk-home");
  if (home) {
    // Time is up: finish as if the citizen had pressed the button, so the screen is wiped.
    countdown(function () {
      document.getElementById("kiosk-finish").submit();
    });
  }
})();
