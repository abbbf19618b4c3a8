/* Partner names: register suggestions while typing a new partner's name (progressive enhancement).
   Without this file the "Im Verzeichnis suchen" button shows the same suggestions from the server;
   the buttons built here are the same submit buttons ("choose:<question>:<code>"). */
(function () {
  "use strict";
  document.querySelectorAll("input[data-partner-search]").forEach(function (input) {
    var box = document.getElementById(input.getAttribute("aria-controls"));
    var key = input.getAttribute("data-key");
    var url = input.getAttribute("data-partner-search");
    var timer = null, asked = "";
    if (!box || !window.fetch) return;
    function show(name, suggestions) {
      box.textContent = "";
      if (!suggestions.length) return;
      var lead = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = "Meinten Sie eine dieser Organisationen aus dem Verzeichnis?";
      lead.appendChild(strong);
      lead.appendChild(document.createTextNode(" (ähnlich wie „" + name + "“, die ähnlichste zuerst)"));
      box.appendChild(lead);
      var list = document.createElement("ul");
      list.className = "suggestion-list";
      suggestions.forEach(function (s) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "submit";
        button.name = "_action";
        button.value = "choose:" + key + ":" + s.code;
        button.className = "suggestion";
        button.textContent = s.name + " wählen";
        li.appendChild(button);
        if (s.meta) {
          var meta = document.createElement("span");
          meta.className = "actor-meta";
          meta.textContent = s.meta;
          li.appendChild(meta);
        }
        list.appendChild(li);
      });
      box.appendChild(list);
      var hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = "Nicht dabei? Mit „Ausgewählte Partner hinzufügen“ wird „" + name + "“ als neuer Name eingetragen.";
      box.appendChild(hint);
    }
    function ask() {
      var name = input.value.trim();
      if (name === asked) return;
      asked = name;
      if (name.length < 3) { box.textContent = ""; return; }
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "name=" + encodeURIComponent(name), { credentials: "omit" })
        .then(function (r) { return r.json(); })
        .then(function (reply) {
          if (input.value.trim() !== name) return; // typed on meanwhile
          if (reply.ok) show(name, reply.suggestions || []);
        })
        .catch(function () { /* the button still asks the server */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();  // Enter asks the register, as the button next to the field does
      var button = input.parentNode.querySelector(".match-button");
      if (button) button.click();
    });
  });
}());
