// Berth's one script: small conveniences; every page works without it.
document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
  s.addEventListener('change', function () { s.form.submit(); });
});
document.querySelectorAll('form[data-confirm]').forEach(function (f) {
  f.addEventListener('submit', function (e) {
    if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
  });
});

// Search as you type: results from /api/v1/search while typing, best
// matches first; the form still works without this. In a drop-down (home
// page, Explore, the 404 page) the box is an ARIA combobox: the arrow keys
// move through the suggestions, Enter opens one, Escape closes the list,
// and a live region says how many there are. On /search the results are
// the page's own list of links, which the arrow keys move through.
function resultHref(r) {
  return r.url || r.href || '/products/' + encodeURIComponent(r.slug);
}
function resultContent(el, r) {
  var name = document.createElement('strong');
  name.textContent = r.name;
  el.appendChild(name);
  if (r.publisher) {
    var by = document.createElement('span');
    by.className = 'publisher';
    by.textContent = ' by ' + r.publisher;
    el.appendChild(by);
  }
  if (r.badge) {
    var badge = document.createElement('span');
    badge.className = 'badge badge-' + r.badge;
    badge.textContent = ' ' + r.badge;
    el.appendChild(badge);
  }
  var summary = document.createElement('span');
  summary.className = 'summary';
  summary.textContent = r.summary || '';
  el.appendChild(summary);
}
function liveStatus(input) {
  var status = document.getElementById(input.getAttribute('data-live-status'));
  if (!status) {
    status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    status.id = (input.id || 'search') + '-status';
    input.form.appendChild(status);
  }
  return status;
}
document.querySelectorAll('input[data-live-search]').forEach(function (input) {
  var list = document.getElementById(input.getAttribute('aria-controls')) ||
    input.form.querySelector('.live-results');
  if (!list) { return; }
  var dropdown = input.form.contains(list);
  var status = liveStatus(input);
  var empty = document.getElementById('search-empty');
  var timer = null, seq = 0, active = -1;
  if (dropdown) {
    list.id = list.id || (input.id || 'search') + '-listbox';
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Suggestions');
  }
  function items() {
    return Array.prototype.slice.call(list.querySelectorAll(dropdown ? '[role=option]' : 'li a'));
  }
  function setOpen(open) {
    list.hidden = !open;
    if (dropdown) {
      input.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (!open) { select(-1); }
    }
  }
  function select(i) {
    var all = items();
    active = i;
    all.forEach(function (o, j) { o.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
    if (i >= 0 && all[i]) {
      input.setAttribute('aria-activedescendant', all[i].id);
      all[i].scrollIntoView({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }
  function option(r, i) {
    var li = document.createElement('li');
    if (dropdown) {
      li.id = list.id + '-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.setAttribute('data-href', resultHref(r));
      resultContent(li, r);
    } else {
      var a = document.createElement('a');
      a.href = resultHref(r);
      resultContent(a, r);
      li.appendChild(a);
    }
    return li;
  }
  function render(results, query) {
    list.textContent = '';
    active = -1;
    if (empty) { empty.hidden = true; }
    status.textContent = query ? results.length + (results.length === 1 ? ' result' : ' results') +
      ' for \u201c' + query + '\u201d' + (dropdown && results.length ? ': use the arrow keys to choose one' : '') : '';
    if (!query) { setOpen(false); return; }
    if (results.length === 0) {
      var none = document.createElement('li');
      none.className = 'none';
      if (dropdown) { none.setAttribute('role', 'presentation'); }
      none.textContent = 'Nothing matches \u201c' + query + '\u201d.';
      list.appendChild(none);
    }
    results.forEach(function (r, i) { list.appendChild(option(r, i)); });
    setOpen(true);
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
  input.addEventListener('keydown', function (e) {
    var all = items();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!all.length) { return; }
      e.preventDefault();
      if (!dropdown) { all[e.key === 'ArrowDown' ? 0 : all.length - 1].focus(); return; }
      setOpen(true);
      var next = e.key === 'ArrowDown' ? active + 1 : active - 1;
      select(next < 0 ? all.length - 1 : next % all.length);
    } else if (e.key === 'Escape') {
      if (!list.hidden && dropdown) { e.preventDefault(); setOpen(false); } else if (input.value) { e.preventDefault(); input.value = ''; render([], ''); }
    }
  });
  if (dropdown) {
    // Enter sends the form; with a suggestion active, it opens that
    // suggestion instead.
    input.form.addEventListener('submit', function (e) {
      var all = items();
      if (!list.hidden && active >= 0 && all[active]) {
        e.preventDefault();
        window.location.assign(all[active].getAttribute('data-href'));
      }
    });
    list.addEventListener('mousedown', function (e) { e.preventDefault(); });
    list.addEventListener('click', function (e) {
      var o = e.target.closest('[role=option]');
      if (o) { window.location.assign(o.getAttribute('data-href')); }
    });
    input.addEventListener('blur', function () { setOpen(false); });
  } else {
    // On /search the arrow keys move through the results; Escape goes back
    // to the box.
    list.addEventListener('keydown', function (e) {
      var all = items(), i = all.indexOf(document.activeElement);
      if (i < 0) { return; }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        var next = e.key === 'ArrowDown' ? i + 1 : i - 1;
        if (next < 0 || next >= all.length) { input.focus(); } else { all[next].focus(); }
      } else if (e.key === 'Escape') {
        e.preventDefault();
        input.focus();
      }
    });
  }
});

// The header's menus are <details>: Escape closes an open one and gives
// its button the focus back, opening one closes the other, and a click
// elsewhere closes them.
(function () {
  var menus = Array.prototype.slice.call(document.querySelectorAll('details[data-menu]'));
  function toggleable(d) { var s = d.querySelector('summary'); return s && s.offsetParent !== null; }
  menus.forEach(function (d) {
    d.addEventListener('toggle', function () {
      if (d.open) { menus.forEach(function (o) { if (o !== d && !o.contains(d) && toggleable(o)) { o.open = false; } }); }
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') { return; }
    menus.forEach(function (d) {
      if (d.open && toggleable(d) && d.contains(document.activeElement)) {
        d.open = false;
        d.querySelector('summary').focus();
      }
    });
  });
  document.addEventListener('click', function (e) {
    menus.forEach(function (d) { if (d.open && toggleable(d) && !d.contains(e.target)) { d.open = false; } });
  });
})();

// A table wider than a phone scrolls within itself: give it the focus
// so that the keyboard can scroll it as well.
(function () {
  function mark() {
    document.querySelectorAll('table.list').forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) {
        t.setAttribute('tabindex', '0');
      } else {
        t.removeAttribute('tabindex');
      }
    });
  }
  mark();
  window.addEventListener('resize', mark);
})();
