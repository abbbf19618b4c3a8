// Downloads the job worker prepares (the PDF report, the workbook): a click starts (or finds) the
// job, the status line says "Bericht wird erstellt …" (aria-live) and, once the file is ready,
// offers it as a link to the prepared file on the server. A job started earlier (a reload, another
// tab) is picked up when the page loads. Without JavaScript the plain link leads to a page that
// says the file is being prepared, refreshes itself, and then offers it.
(function () {
  "use strict";
  var POLL_MS = 1500;
  function show(link, status, info, focus) {
    link.setAttribute("data-state", info.state);
    status.textContent = "";
    if (info.state === "done") {
      var ready = document.createElement("a");
      ready.href = info.url;
      ready.className = "prepared";
      ready.textContent = info.ready + " (" + info.size + ")";
      status.appendChild(document.createTextNode("Fertig: "));
      status.appendChild(ready);
      link.removeAttribute("aria-disabled");
      if (focus) { ready.focus(); }
    } else if (info.state === "failed") {
      status.textContent = info.message + " ";
      var again = document.createElement("a");
      again.href = info.page;
      again.textContent = "Erneut versuchen";
      status.appendChild(again);
      link.removeAttribute("aria-disabled");
    } else if (info.state === "queued" || info.state === "running") {
      status.textContent = info.message + (info.worker_down ? " " + info.worker_down : "");
    } else {
      link.removeAttribute("aria-disabled");
    }
  }
  function poll(link, status, start, focus) {
    var url = link.getAttribute("data-status") + (start ? (link.getAttribute("data-status").indexOf("?") < 0 ? "?" : "&") + "starten=1" : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (info) {
      show(link, status, info, focus);
      if (info.state === "queued" || info.state === "running") {
        window.setTimeout(function () { poll(link, status, false, true); }, POLL_MS);
      }
    }).catch(function () {
      status.textContent = "Der Stand der Datei konnte nicht abgefragt werden. Bitte laden Sie die Seite neu.";
      link.removeAttribute("aria-disabled");
    });
  }
  document.querySelectorAll("a[data-prepare]").forEach(function (link) {
    var status = document.getElementById(link.getAttribute("data-prepare"));
    if (!status || !window.fetch) { return; }
    var state = link.getAttribute("data-state");
    if (state === "queued" || state === "running") {
      link.setAttribute("aria-disabled", "true");
      window.setTimeout(function () { poll(link, status, false, true); }, POLL_MS);
    }
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      if (link.getAttribute("data-state") === "done") { return; }  // the prepared file: download it
      event.preventDefault();
      if (link.getAttribute("aria-disabled") === "true") { return; }
      link.setAttribute("aria-disabled", "true");
      status.textContent = (link.getAttribute("data-busy") || "Datei wird erstellt") + " …";
      poll(link, status, true, true);
    });
  });
})();
