/* Respondent pages: progressive enhancement only. Every page works the same without this file. */
(function () {
  "use strict";
  var form = document.getElementById("answer-form");

  /* Conditions: show or hide a question as soon as the answer it depends on changes. */
  function answerOf(key) {
    if (!form) return null;
    var inputs = form.querySelectorAll('[name="' + key.replace(/"/g, '\\"') + '"]');
    if (!inputs.length) return null; // on another page: the server already decided
    var values = [];
    inputs.forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox")) { if (el.checked) values.push(el.value); }
      else if (el.value.trim()) values.push(el.value.trim());
    });
    return values;
  }
  /* One clause, as questionnaires/conditions.py evaluates it (answers: the page's values of the key). */
  function numberOf(text) {
    var t = String(text).replace(/[\s\u00a0]/g, "");
    if (t.indexOf(",") !== -1 || /^[-+]?\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, "").replace(",", ".");
    return /^[-+]?\d+(\.\d+)?$/.test(t) ? parseFloat(t) : null;
  }
  function clauseMet(clause, answers) {
    var values = clause.values || [];
    var op = clause.operator;
    if (op === "beantwortet") return answers.length > 0;
    if (op === "ge" || op === "le" || op === "eq") {
      var n = answers.length === 1 ? numberOf(answers[0]) : null;
      if (n === null || clause.number === null || clause.number === undefined) return false;
      return op === "ge" ? n >= clause.number : op === "le" ? n <= clause.number : n === clause.number;
    }
    if (op === "ist" || op === "enthaelt") return values.length > 0 && answers.indexOf(values[0]) !== -1;
    return answers.some(function (v) { return values.indexOf(v) !== -1; });
  }
  function applyConditions() {
    if (!form) return;
    var hidden = {};
    form.querySelectorAll(".q").forEach(function (box) {
      var plain = box.getAttribute("data-condition");
      if (!plain) return;
      var condition = JSON.parse(plain);
      var results = [];
      for (var i = 0; i < condition.clauses.length; i++) {
        var clause = condition.clauses[i];
        var answer = answerOf(clause.question);
        if (answer === null) return; // a question on another page: the server already decided
        results.push(!hidden[clause.question] && clauseMet(clause, answer));
      }
      var show = condition.combinator === "oder" ? results.indexOf(true) !== -1 : results.indexOf(false) === -1;
      box.hidden = !show;
      if (!show) hidden[box.getAttribute("data-key")] = true;
    });
  }
  if (form) {
    form.addEventListener("change", applyConditions);
    form.addEventListener("input", applyConditions);  // a number takes effect while it is typed
    applyConditions();
  }

  /* Live filter of the partner list (the server filters too, with the "Liste filtern" button). */
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var name = picker.querySelector('[data-filter="name"]');
    var sector = picker.querySelector('[data-filter="sector"]');
    var district = picker.querySelector('[data-filter="district"]');
    var count = picker.querySelector("[data-count]");
    var rows = picker.querySelectorAll(".actor-list li");
    var timer = null;
    function run() {
      var words = (name.value || "").toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (li) {
        var ok = words.every(function (w) { return li.getAttribute("data-name").indexOf(w) !== -1; })
          && (!sector.value || li.getAttribute("data-sector") === sector.value)
          && (!district.value || li.getAttribute("data-districts").indexOf(" " + district.value + " ") !== -1);
        var box = li.querySelector("input[type=checkbox]");
        li.hidden = !ok && !(box && box.checked);
        if (!li.hidden) shown++;
      });
      clearTimeout(timer);
      timer = setTimeout(function () { count.textContent = shown + " von " + rows.length + " Organisationen"; }, 400);
    }
    name.addEventListener("input", run);
    sector.addEventListener("change", run);
    district.addEventListener("change", run);
    name.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); run(); } });
    if (name.value || sector.value || district.value) run();  // typed before this script was loaded
  });

  /* Filter a long list of entries by their names. */
  document.querySelectorAll("[data-entry-filter]").forEach(function (box) {
    var list = document.getElementById(box.getAttribute("data-entry-filter"));
    var input = box.querySelector("input");
    box.hidden = false;
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      list.querySelectorAll(".entry-row").forEach(function (li) {
        li.hidden = q && li.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  });

  /* Print button on the confirmation page. */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  /* Optional autosave: every 30 s when something changed, and when the page is left. */
  if (form && form.hasAttribute("data-autosave") && window.fetch && window.FormData) {
    var status = form.querySelector("[data-autosave-status]");
    var dirty = false, busy = false, submitting = false;
    var revision = form.querySelector('input[name="_revision"]');
    var base = form.querySelector('input[name="_base"]');
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { submitting = true; });
    function payload() {
      var data = new FormData(form);
      data.delete("_action");
      data.delete("_force"); // a conflict is decided by a click, never by autosave
      data.set("_autosave", "1");
      return data;
    }
    function save() {
      if (!dirty || busy || submitting) return;
      busy = true; dirty = false;
      fetch(form.action, { method: "POST", body: payload(), credentials: "omit" })
        .then(function (r) { return r.json(); })
        .then(function (reply) {
          if (reply.ok) { revision.value = reply.revision; if (base) base.value = reply.base; }
          else { dirty = true; }
          if (status) status.textContent = reply.message || "";
        })
        .catch(function () { dirty = true; })
        .then(function () { busy = false; });
    }
    setInterval(save, 30000);
    window.addEventListener("pagehide", function () {
      if (!dirty || submitting || !navigator.sendBeacon) return;
      navigator.sendBeacon(form.action, payload());
      dirty = false;
    });
    // Coming back through the browser's history: load the current state (the revision moved on).
    window.addEventListener("pageshow", function (e) { if (e.persisted) window.location.reload(); });
  }
}());
