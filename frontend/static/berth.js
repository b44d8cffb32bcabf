// Berth's one script: small conveniences; every page works without it.
document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
  s.addEventListener('change', function () { s.form.submit(); });
});
document.querySelectorAll('form[data-confirm]').forEach(function (f) {
  f.addEventListener('submit', function (e) {
    if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
  });
});

// Search as you type: results from /api/v1/search under the box while
// typing, best matches first; the form still works without this.
document.querySelectorAll('input[data-live-search]').forEach(function (input) {
  // The list is the one the box controls (on /search, below the form), or
  // the drop-down inside the form (home page, Explore).
  var list = document.getElementById(input.getAttribute('aria-controls')) ||
    input.form.querySelector('.live-results');
  if (!list) { return; }
  var status = document.getElementById(input.getAttribute('data-live-status'));
  var empty = document.getElementById('search-empty');
  var timer = null, seq = 0;
  function render(results, query) {
    list.textContent = '';
    if (empty) { empty.hidden = true; }
    if (status) {
      status.textContent = query ? results.length + (results.length === 1 ? ' result' : ' results') +
        ' for \u201c' + query + '\u201d' : '';
    }
    if (!query) { list.hidden = true; return; }
    if (results.length === 0) {
      var none = document.createElement('li');
      none.className = 'none';
      none.textContent = 'Nothing matches \u201c' + query + '\u201d.';
      list.appendChild(none);
    }
    results.forEach(function (r) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = '/products/' + encodeURIComponent(r.slug);
      var name = document.createElement('strong');
      name.textContent = r.name;
      var by = document.createElement('span');
      by.className = 'publisher';
      by.textContent = ' by ' + r.publisher;
      var summary = document.createElement('span');
      summary.className = 'summary';
      summary.textContent = r.summary;
      a.appendChild(name); a.appendChild(by);
      if (r.badge) {
        var badge = document.createElement('span');
        badge.className = 'badge badge-' + r.badge;
        badge.textContent = r.badge;
        a.appendChild(badge);
      }
      a.appendChild(summary);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    var query = input.value.trim();
    timer = setTimeout(function () {
      var mine = ++seq;
      if (!query) { render([], ''); return; }
      fetch('/api/v1/search?limit=8&q=' + encodeURIComponent(query), {headers: {'Accept': 'application/json'}})
        .then(function (resp) { return resp.ok ? resp.json() : {results: []}; })
        .then(function (body) { if (mine === seq) { render(body.results || [], query); } })
        .catch(function () {});
    }, 120);
  });
});
