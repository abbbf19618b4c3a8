// The message after an action stands where the eye is and is announced: when the page was opened
// at the changed item (a redirect to "…#q-…" or "…#item-…"), the message moves to the top of that
// item; then focus moves to the message (a screen reader reads it, the browser scrolls it into view).
(function () {
  "use strict";
  function show() {
    var messages = Array.prototype.slice.call(document.querySelectorAll("main [data-after-action]"));
    if (!messages.length) { return; }
    var id = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
    var target = id ? document.getElementById(id) : null;
    // only into a container (a list item, a section …), never into a field or a table row
    if (target && /^(LI|SECTION|DIV|ARTICLE|FIGURE|FIELDSET)$/.test(target.tagName)) {
      var holder = document.createElement("div");
      holder.className = "flash-near";
      messages.forEach(function (message) { holder.appendChild(message); });
      target.insertBefore(holder, target.firstChild);
    }
    // after the browser has gone to the fragment (which would otherwise take the focus back)
    function focus() { messages[0].focus(); }
    if (document.readyState === "complete") {
      window.setTimeout(focus, 0);
    } else {
      window.addEventListener("load", function () { window.setTimeout(focus, 0); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
}());
