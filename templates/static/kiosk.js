// Kiosk pages. Same-origin only (CSP script-src 'self'); nothing here keeps personal data: no
// storage, no cookies (the portal's cookies are HttpOnly).
// - the phone sign-in: polls the portal until the citizen allows on their phone;
// - the journey's waiting steps (issuing, payment, CUPS printing): poll /kiosk/status and move
//   on when the step changes;
// - browser printing: prints the signed PDF from a hidden frame (Chromium --kiosk-printing),
//   or hands the frame to window.kioskPrint if the kiosk host provides one;
// - inactivity: after the idle time "Are you still there?" counts down, then the page posts
//   Finish (reason=timeout), which wipes the browser and shows the start screen; activity is
//   reported to the portal, which ends an idle session by itself too;
// - the heartbeat: tells the portal every 60 s that the kiosk is up, with the printer status;
// - guidance: each step's text is in #kiosk-guidance (a live region, data-guidance) and is sent
//   as a `kiosk:guidance` event ({th, en, text}) for an audio-guidance plug-in.
(function () {
  "use strict";

  var body = document.body;

  function format(seconds) {
    var s = Math.max(0, seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function countdown(clock, onZero) {
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

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
  }

  function getJson(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
  }

  // -- guidance --------------------------------------------------------------------------------

  function guide(th, en) {
    document.dispatchEvent(
      new CustomEvent("kiosk:guidance", { detail: { th: th, en: en, text: th + " " + en } })
    );
  }

  var guidance = document.getElementById("kiosk-guidance");
  if (guidance) guide(guidance.dataset.guidanceTh, guidance.dataset.guidanceEn);

  // -- finishing ---------------------------------------------------------------------------------

  var wiping = false;
  function wipe() {
    // Finish as if the citizen had pressed it: the answer clears storage and cookies and goes
    // back to the start screen.
    if (wiping) return;
    wiping = true;
    var form = document.getElementById("kiosk-timeout");
    if (form) form.submit();
    else window.location.assign("/kiosk/");
  }

  // The "finished" screen goes back to the start by itself (a script, not a meta refresh:
  // the link is there for whoever is quicker).
  var finished = document.getElementById("kiosk-finished");
  if (finished) {
    window.setTimeout(function () {
      window.location.assign("/kiosk/");
    }, Number(finished.dataset.returnAfter || 20) * 1000);
  }

  // -- the phone sign-in -------------------------------------------------------------------------

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
      getJson(signIn.dataset.statusUrl)
        .then(function (response) {
          return response.json();
        })
        .then(function (answer) {
          if (answer.state === "pending") {
            if (answer.interval) interval = Number(answer.interval);
            window.setTimeout(poll, interval * 1000);
            return;
          }
          done = true;
          show(answer.state || "failed");
          if (answer.state === "signed_in") window.location.assign(answer.next || "/kiosk/home");
        })
        .catch(function () {
          window.setTimeout(poll, interval * 1000);
        });
    };
    window.setTimeout(poll, interval * 1000);
    countdown(document.getElementById("kiosk-countdown"), function () {
      if (!done) show("expired");
    });
  }

  // -- the journey's waiting steps ------------------------------------------------------------

  var journey = document.getElementById("kiosk-journey");
  var WAITING = { wait: true, pay: true, "print:queued": true };
  if (journey && WAITING[journey.dataset.progress]) {
    var seen = journey.dataset.progress;
    var job = journey.dataset.job;
    var check = function () {
      var url = journey.dataset.statusUrl + "?seen=" + encodeURIComponent(seen);
      if (job) url += "&job=" + encodeURIComponent(job);
      getJson(url)
        .then(function (response) {
          if (response.status === 401 || response.status === 403) {
            wipe(); // the session ended (idle, time, the kiosk disabled): clear the screen
            return null;
          }
          return response.json();
        })
        .then(function (answer) {
          if (!answer) return;
          if (answer.progress === seen) {
            window.setTimeout(check, 2000);
          } else if (answer.print) {
            window.location.replace("/kiosk/print?job=" + encodeURIComponent(answer.print.id));
          } else {
            window.location.assign(answer.next);
          }
        })
        .catch(function () {
          window.setTimeout(check, 4000);
        });
    };
    window.setTimeout(check, 1500);
    // A registry that is slow or down keeps the petition waiting (the worker retries): after
    // a while, say that the mailbox will bring the document.
    var slow = document.getElementById("kiosk-slow");
    if (slow) {
      window.setTimeout(function () {
        slow.hidden = false;
      }, 45000);
    }
  }

  // -- printing in the browser ----------------------------------------------------------------

  var frame = document.getElementById("kiosk-print-frame");
  if (frame) {
    // Marked at once: reloading this page must not print an unrecorded copy.
    var url = new URL(window.location.href);
    url.searchParams.set("shown", "1");
    window.history.replaceState(null, "", url.pathname + url.search);
    frame.addEventListener("load", function () {
      // A kiosk host may print its own way (window.kioskPrint(frame)); by default the frame's
      // print(), which Chromium with --kiosk-printing sends to the default printer silently.
      if (typeof window.kioskPrint === "function") {
        window.kioskPrint(frame);
        return;
      }
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } catch (error) {
        // A viewer that refuses script access: the kiosk's staff print from the wallet.
      }
    });
  }

  // -- inactivity ------------------------------------------------------------------------------

  if (body.dataset.idleSeconds) {
    var idleMs = Number(body.dataset.idleSeconds) * 1000;
    var warnSeconds = Number(body.dataset.idleWarningSeconds) || 30;
    var dialog = document.getElementById("kiosk-idle");
    var clock = document.getElementById("kiosk-idle-countdown");
    var activityForm = document.getElementById("kiosk-activity");
    var idleTimer = null;
    var warnTimer = null;
    var unreported = false;

    var warn = function () {
      var end = Date.now() + warnSeconds * 1000;
      clock.textContent = String(warnSeconds);
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      var title = document.getElementById("kiosk-idle-title");
      guide(
        title.querySelector("[lang=th]").textContent,
        title.querySelector("[lang=en]").textContent
      );
      warnTimer = window.setInterval(function () {
        var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        clock.textContent = String(left);
        if (left <= 0) {
          window.clearInterval(warnTimer);
          wipe();
        }
      }, 250);
    };
    var arm = function () {
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(warn, idleMs);
    };
    var stillHere = function () {
      if (wiping) return;
      if (warnTimer !== null) {
        window.clearInterval(warnTimer);
        warnTimer = null;
        if (dialog.open) dialog.close();
      }
      unreported = true;
      arm();
    };
    ["pointerdown", "keydown", "input"].forEach(function (name) {
      document.addEventListener(name, stillHere, { capture: true, passive: true });
    });
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault(); // Escape is "still here" too
      stillHere();
    });
    document.getElementById("kiosk-idle-continue").addEventListener("click", stillHere);
    // The portal counts activity only from requests: tell it, at most every 10 seconds.
    window.setInterval(function () {
      if (!unreported || wiping) return;
      unreported = false;
      post(activityForm)
        .then(function (response) {
          if (response.status === 401 || response.status === 403) wipe();
        })
        .catch(function () {
          unreported = true;
        });
    }, 10000);
    arm();
    countdown(document.getElementById("kiosk-session-countdown"), wipe);
  }

  // -- heartbeat -------------------------------------------------------------------------------

  if (body.dataset.heartbeatUrl) {
    var beat = function () {
      var data = new FormData();
      data.append("csrf_token", body.dataset.csrfToken || "");
      // A local helper may tell the page about the printer (paper low, offline…).
      var printer = typeof window.kioskPrinterStatus === "function" ? window.kioskPrinterStatus() : null;
      data.append("printer_status", (printer && printer.status) || "ok");
      if (printer && printer.detail) data.append("printer_detail", String(printer.detail));
      fetch(body.dataset.heartbeatUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      })
        .then(function (response) {
          return response.status === 403 ? response.json() : null;
        })
        .then(function (answer) {
          // Disabled by an administrator: show the "not in service" page.
          if (answer && answer.error === "kiosk_out_of_service" && !wiping) {
            window.location.reload();
          }
        })
        .catch(function () {});
    };
    window.setTimeout(beat, 2000);
    window.setInterval(beat, 60000);
  }
})();
