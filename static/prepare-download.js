// Downloads that take a moment to prepare (the PDF report): instead of a blank wait, say that the
// file is being prepared (aria-live), fetch it, then offer it as a link. Without JavaScript the
// plain link downloads the file as before.
(function () {
  "use strict";
  function filename(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }
  function size(bytes) {
    return (bytes / 1024 / 1024).toLocaleString("de-DE", { maximumFractionDigits: 1, minimumFractionDigits: 1 }) + " MB";
  }
  document.querySelectorAll("a[data-prepare]").forEach(function (link) {
    var status = document.getElementById(link.getAttribute("data-prepare"));
    if (!status || !window.fetch || !window.URL) { return; }
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      if (link.getAttribute("aria-disabled") === "true") { return; }
      link.setAttribute("aria-disabled", "true");
      status.textContent = (link.getAttribute("data-busy") || "Datei wird erstellt") + " …";
      fetch(link.href, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var name = filename(response, "download");
        return response.blob().then(function (blob) { return { blob: blob, name: name }; });
      }).then(function (file) {
        var url = URL.createObjectURL(file.blob);
        status.textContent = "";
        var ready = document.createElement("a");
        ready.href = url;
        ready.download = file.name;
        ready.className = "prepared";
        ready.textContent = (link.getAttribute("data-ready") || "Datei herunterladen") + " (" + size(file.blob.size) + ")";
        status.appendChild(document.createTextNode("Fertig: "));
        status.appendChild(ready);
        ready.focus();
      }).catch(function () {
        status.textContent = "Die Datei konnte nicht erstellt werden. Bitte versuchen Sie es erneut.";
      }).then(function () {
        link.removeAttribute("aria-disabled");
      });
    });
  });
})();
