// Updates the petition status in place while the portal works on it, instead of reloading the
// page under a screen-reader user (WCAG 2.2.1). Without script, the "Check again" link reloads.
(function () {
  "use strict";
  var region = document.getElementById("petition-live");
  if (!region || region.dataset.poll !== "true") return;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var nextRegion = next.getElementById("petition-live");
        var nextState = next.getElementById("petition-state");
        var nextDetails = next.getElementById("petition-details");
        if (!nextRegion || !nextState || !nextDetails) return;
        var state = document.getElementById("petition-state");
        if (state.dataset.state !== nextState.dataset.state) {
          // Only the status span is a live region: the change is announced once, briefly.
          state.innerHTML = nextState.innerHTML;
          state.dataset.state = nextState.dataset.state;
        }
        document.getElementById("petition-details").innerHTML = nextDetails.innerHTML;
        region.dataset.poll = nextRegion.dataset.poll;
        if (region.dataset.poll === "true") window.setTimeout(refresh, 2000);
      })
      .catch(function () {
        window.setTimeout(refresh, 5000);
      });
  }

  window.setTimeout(refresh, 2000);
})();
