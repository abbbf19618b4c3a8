// Builder pages, progressive enhancement only (every form works without it):
// the catalogue's button counts the ticked questions ("3 ausgewählt – hinzufügen"), and the
// own-question form shows only the fields of the chosen kind (groups carry data-kinds="…").
(function () {
  "use strict";
  function countTicks() {
    var button = document.getElementById("auswahl-knopf");
    if (!button) { return; }
    var plain = button.textContent;
    var boxes = document.querySelectorAll('input[type="checkbox"][form="auswahl"]');
    function update() {
      var n = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      button.textContent = n ? n + " ausgewählt – hinzufügen" : plain;
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    update();
  }
  function fieldsOfKind() {
    var form = document.getElementById("own-question");
    var kind = form ? form.querySelector('select[name="kind"]') : null;
    if (!kind) { return; }
    var groups = form.querySelectorAll(".kind-fields[data-kinds]");
    function update() {
      Array.prototype.forEach.call(groups, function (group) {
        group.hidden = group.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
      });
    }
    kind.addEventListener("change", update);
    update();
  }
  function start() { countTicks(); fieldsOfKind(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
