// Copy buttons (templates/_copy.html): each button[data-copy] copies the
// text of the element it names, a code block or a readonly input. Without
// this script the buttons stay hidden and the text stays selectable; with
// it, a press copies and the live region beside the button says so.
(function () {
  function announce(status, message) {
    if (!status) { return; }
    status.textContent = message;
    setTimeout(function () { status.textContent = ''; }, 2500);
  }
  function fallback(target, text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    var target = document.getElementById(b.getAttribute('data-copy'));
    if (!target) { return; }
    var status = b.nextElementSibling && b.nextElementSibling.classList.contains('copy-status') ?
      b.nextElementSibling : null;
    if (!status) {
      status = document.createElement('span');
      status.className = 'copy-status';
      status.setAttribute('role', 'status');
      b.after(status);
    }
    b.hidden = false;
    b.addEventListener('click', function () {
      var text = ('value' in target && target.tagName === 'INPUT') ? target.value : target.textContent.trim();
      var done = function (ok) {
        b.setAttribute('data-copied', ok ? 'yes' : 'no');
        announce(status, ok ? 'Copied' : 'Select the text to copy it');
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(target, text)); });
      } else {
        done(fallback(target, text));
      }
    });
  });
})();
