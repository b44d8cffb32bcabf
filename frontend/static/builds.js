// builds.js: a build's page follows its log live. The page already shows
// the stored log; this opens the Server-Sent Events stream from where that
// log ends, appends each "log" event, and updates the status from each
// "status" event. At a final status it closes the stream and hides Cancel.
(function () {
  "use strict";
  var box = document.getElementById("build");
  var log = document.getElementById("build-log");
  if (!box || !log || !window.EventSource) return;
  var finals = { succeeded: true, failed: true, cancelled: true };
  if (finals[box.dataset.status]) return;
  var es = new EventSource(box.dataset.events + "?offset=" + encodeURIComponent(box.dataset.offset));
  var follow = function () {
    // Keep following the end unless the reader scrolled up.
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  };
  es.addEventListener("log", function (e) {
    var atEnd = follow();
    log.appendChild(document.createTextNode(e.data));
    if (atEnd) log.scrollTop = log.scrollHeight;
  });
  es.addEventListener("status", function (e) {
    var s = JSON.parse(e.data);
    var pill = document.querySelector("#build-status .build-status");
    if (pill) {
      pill.textContent = s.status;
      pill.className = "pill build-status status-" + s.status;
    }
    box.dataset.status = s.status;
    if (!finals[s.status]) return;
    es.close();
    var cancel = document.getElementById("cancel-form");
    if (cancel) cancel.hidden = true;
    var live = document.getElementById("log-live");
    if (live) live.textContent = "The build " + s.status + ". Reload the page for its times.";
    if (s.digest) {
      var d = document.getElementById("build-digest");
      d.textContent = "";
      var code = document.createElement("code");
      code.textContent = s.digest;
      d.appendChild(code);
    }
  });
})();
