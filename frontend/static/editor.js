// editor.js: the publisher's forms, nicer with script. Every form works
// without it: "Add tier" and "Remove tier" post the form and the server
// draws it again; "Check namespaces" asks the server the same way.
(function () {
  "use strict";

  // Tier rows: add and remove in place, renumbering the fields
  // (tiers.<i>.<field>) so the server reads them in order.
  var tiers = document.getElementById("tiers");
  var template = document.getElementById("tier-template");
  if (tiers && template) {
    var addButton = document.getElementById("add-tier");
    var rows = function () { return tiers.querySelectorAll("fieldset.tier"); };
    var renumber = function () {
      rows().forEach(function (row, i) {
        row.dataset.tier = String(i);
        row.querySelector(".tier-number").textContent = String(i + 1);
        row.querySelectorAll("[name]").forEach(function (el) {
          el.name = el.name.replace(/^tiers\.(\d+|__i__)\./, "tiers." + i + ".");
        });
        var remove = row.querySelector(".remove-tier");
        remove.value = String(i);
        remove.textContent = "Remove tier " + (i + 1);
      });
      addButton.disabled = rows().length >= 10;
    };
    addButton.addEventListener("click", function (e) {
      e.preventDefault();
      var row = template.content.firstElementChild.cloneNode(true);
      addButton.parentNode.before(row);
      renumber();
      row.querySelector("input").focus();
    });
    tiers.addEventListener("click", function (e) {
      var remove = e.target.closest(".remove-tier");
      if (!remove) return;
      e.preventDefault();
      if (rows().length <= 1) {
        showError(remove.closest("fieldset.tier").querySelector("input"), "a listing keeps at least one tier");
        return;
      }
      remove.closest("fieldset.tier").remove();
      renumber();
      addButton.focus();
    });
    // Inline checks, the same as the server's, as each field is left.
    var checks = {
      name: function (v) { return v === "" || v.length > 40 ? "1 to 40 characters" : ""; },
      id: function (v) { return /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(v) ? "" : "1 to 32 lower-case letters, digits and hyphens"; },
      price: function (v) { return v === "" || /^\d+(\.\d{1,2})?$/.test(v) ? "" : "an amount such as 25 or 25.00 (0 for a free tier)"; },
      trial_days: whole, seats: whole, pull_quota: whole
    };
    tiers.addEventListener("change", function (e) {
      var m = /^tiers\.\d+\.(\w+)$/.exec(e.target.name || "");
      if (!m || !checks[m[1]]) return;
      showError(e.target, checks[m[1]](e.target.value.trim()));
    });
  }

  function whole(v) { return v === "" || /^\d+$/.test(v) ? "" : "a whole number, such as 5"; }

  // showError puts msg beside field (or clears it), tied to it for
  // assistive technology as the server's messages are.
  function showError(field, msg) {
    var id = "error-" + field.name.replace(/[._]/g, "-");
    var el = document.getElementById(id);
    if (!msg) {
      if (el) el.remove();
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
      return;
    }
    if (!el) {
      el = document.createElement("span");
      el.className = "field-error";
      el.id = id;
      el.setAttribute("role", "alert");
      field.closest("label").after(el);
    }
    el.textContent = msg;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", id);
  }

  // The apply form: say, as the namespaces are typed, whether each may be
  // claimed, before the application is sent.
  var apply = document.getElementById("apply-form");
  if (apply) {
    var list = document.getElementById("namespace-check");
    var timer;
    var check = function () {
      var names = apply.elements.namespaces.value.split(/[\s,]+/).filter(Boolean);
      var q = "?organization=" + encodeURIComponent(apply.elements.organization.value) +
        "&slug=" + encodeURIComponent(apply.elements.slug.value);
      Promise.all(names.map(function (n) {
        return fetch("/api/v1/publisher-namespaces/" + encodeURIComponent(n) + q, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { namespace: n, available: false, reason: "could not check" }; });
      })).then(function (answers) {
        list.textContent = "";
        answers.forEach(function (a) {
          var li = document.createElement("li");
          li.className = a.available ? "available" : "taken";
          var code = document.createElement("code");
          code.textContent = a.namespace;
          li.append(code, ": " + (a.available ? "available" : a.reason));
          list.append(li);
        });
      });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(check, 300); };
    apply.elements.namespaces.addEventListener("input", later);
    apply.elements.organization.addEventListener("change", later);
  }
})();
