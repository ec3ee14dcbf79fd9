// connreq QA console. Plain JavaScript, no dependency, no build step.
//
// Rules this file keeps (the tests check them):
//  - every node is built with document.createElement and textContent: nothing from a
//    response is ever parsed as HTML (the page's CSP also requires Trusted Types, so an
//    innerHTML assignment would throw);
//  - the token lives in the token field only: never in a URL, storage, the history or a log;
//  - requests go to this origin only (CSP connect-src 'self'), sent as a client sends them.
'use strict';

(() => {
  const ADMIN = '/__connreq';
  const LIST_PATHS = [
    { tpl: '/api/v2/user/{id}/connection/requests/', re: /^\/api\/v2\/user\/([^/]+)\/connection\/requests\/$/ },
    { tpl: '/api/v2/user/connection/requests/', re: /^\/api\/v2\/user\/connection\/requests\/$/ },
    { tpl: '/api/v2/user/{id}/connection_requests/', re: /^\/api\/v2\/user\/([^/]+)\/connection_requests\/$/ },
  ];
  const SHOWN_HEADERS = ['content-type', 'content-length', 'preference-applied', 'www-authenticate', 'allow',
    'location', 'retry-after', 'vary', 'cache-control'];
  const JOURNAL_ROWS_MAX = 1000;
  const POLL_MS = 1000;
  const JOURNAL_FIRST = 100; // rows fetched when the console opens

  const $ = (id) => document.getElementById(id);
  const f = {
    path: $('f-path'), user: $('f-user'), limit: $('f-limit'), offset: $('f-offset'),
    extra: $('f-extra'), token: $('f-token'), prefer: $('f-prefer'),
  };

  // el builds an element: props are assigned as properties (className, textContent, type,
  // title, ...), children appended (strings become text nodes).
  function el(tag, props, ...children) {
    const n = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'dataset') Object.assign(n.dataset, v);
        else n[k] = v;
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      n.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return n;
  }
  const fmt = (n) => Number(n).toLocaleString('en-US');

  // ---- URLs and fields --------------------------------------------------------------------

  function matchListPath(pathname) {
    for (const p of LIST_PATHS) {
      const m = p.re.exec(pathname);
      if (m) return { tpl: p.tpl, id: m[1] === undefined ? '' : decodeURIComponent(m[1]) };
    }
    return null;
  }

  // fieldsToTarget builds path and query from the form, in the order a person reads them.
  function fieldsToTarget() {
    const tpl = f.path.value;
    const path = tpl.replace('{id}', encodeURIComponent(f.user.value.trim()));
    const q = [];
    if (f.limit.value !== '') q.push('limit=' + encodeURIComponent(f.limit.value));
    if (f.offset.value !== '') q.push('offset=' + encodeURIComponent(f.offset.value));
    const extra = f.extra.value.trim().replace(/^[?&]+/, '');
    if (extra) q.push(extra);
    return path + (q.length ? '?' + q.join('&') : '');
  }

  // targetToFields fills the form from a path and query, keeping the token; it returns
  // false when the path is not one of the three list paths (the form then stays as it was).
  function targetToFields(pathname, search) {
    const m = matchListPath(pathname);
    if (!m) return false;
    f.path.value = m.tpl;
    if (m.tpl.includes('{id}')) f.user.value = m.id;
    const params = new URLSearchParams(search);
    f.limit.value = params.has('limit') ? params.getAll('limit').pop() : '';
    f.offset.value = params.has('offset') ? params.getAll('offset').pop() : '';
    const extra = [];
    for (const [k, v] of params) {
      if (k !== 'limit' && k !== 'offset') extra.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    }
    f.extra.value = extra.join('&');
    syncUserField();
    return true;
  }

  function syncUserField() {
    f.user.disabled = !f.path.value.includes('{id}');
  }

  // ---- curl line ----------------------------------------------------------------------------

  const shq = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
  let current = { target: '', prefer: '' }; // what the curl line shows

  function renderCurl() {
    const parts = ['curl', '-sS', '-i', shq(location.origin + current.target)];
    const tok = f.token.value;
    if (tok !== '') {
      if ($('curl-token').checked) parts.push('-H', shq('Authorization: Bearer ' + tok));
      else parts.push('-H', '"Authorization: Bearer $CONNREQ_TOKEN"');
    }
    if (current.prefer) parts.push('-H', shq('Prefer: ' + current.prefer));
    $('curl-line').textContent = parts.join(' ');
  }

  function fromForm() {
    current = { target: fieldsToTarget(), prefer: f.prefer.value.trim() };
    renderCurl();
  }

  $('curl-copy').addEventListener('click', async () => {
    const text = $('curl-line').textContent;
    try {
      await navigator.clipboard.writeText(text);
      $('curl-copied').textContent = 'copied';
    } catch {
      const r = document.createRange();
      r.selectNodeContents($('curl-line'));
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      $('curl-copied').textContent = 'selected: press Ctrl+C';
    }
    setTimeout(() => { $('curl-copied').textContent = ''; }, 2000);
  });
  $('curl-token').addEventListener('change', renderCurl);

  // ---- sending ------------------------------------------------------------------------------

  let inflight = null;
  let sendSeq = 0;
  let page = { next: null, previous: null };

  // send issues GET target from this page, exactly as a client would: the Bearer token and
  // Prefer as headers, nothing cached, redirects followed (and said so).
  async function send(target, note) {
    if (inflight) inflight.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const seq = ++sendSeq;
    current = { target, prefer: f.prefer.value.trim() };
    renderCurl();
    const headers = { Accept: 'application/json' };
    if (f.token.value !== '') headers.Authorization = 'Bearer ' + f.token.value;
    if (current.prefer) headers.Prefer = current.prefer;
    delete $('status-line').dataset.status;
    $('status-line').className = 'status-line muted';
    $('status-line').textContent = 'GET ' + target + ' …';
    const t0 = performance.now();
    let res, text, err;
    try {
      res = await fetch(target, { headers, cache: 'no-store', credentials: 'omit', signal: ctrl.signal });
      text = await res.text();
    } catch (e) {
      err = e;
    }
    if (seq !== sendSeq) return; // a newer request replaced this one
    inflight = null;
    const ms = performance.now() - t0;
    renderResponse(target, res, text, err, ms, note);
  }

  function renderResponse(target, res, text, err, ms, note) {
    const line = $('status-line');
    const headers = $('headers');
    const body = $('body');
    headers.replaceChildren();
    body.replaceChildren();
    $('body-tools').hidden = true;
    page = { next: null, previous: null };
    if (!res) {
      line.className = 'status-line s0';
      line.dataset.status = '0';
      line.textContent = 'no answer after ' + ms.toFixed(0) + ' ms: ' + (err && err.message ? err.message : String(err)) +
        ' (GET ' + target + ')';
      drawWindow(null, target);
      updateNav();
      return;
    }
    line.className = 'status-line s' + String(res.status)[0];
    line.textContent = res.status + ' ' + (res.statusText || '') + ' · ' + ms.toFixed(0) + ' ms · ' +
      fmt(new TextEncoder().encode(text || '').length) + ' bytes · GET ' + target;
    if (res.redirected) line.append(el('span', { className: 'muted', textContent: ' (redirected to ' + new URL(res.url).pathname + new URL(res.url).search + ')' }));
    if (note) line.append(el('span', { className: 'muted', textContent: ' · ' + note }));
    line.dataset.status = String(res.status);
    for (const h of SHOWN_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) headers.append(el('dt', { textContent: h }), el('dd', { textContent: v }));
    }
    if (err) {
      body.append(el('p', { className: 's0', textContent: 'The body was cut short: ' + (err.message || String(err)) }));
    }
    let data;
    let parsed = false;
    if (text !== undefined && text !== '') {
      try { data = JSON.parse(text); parsed = true; } catch (e) {
        body.append(el('p', { className: 's4', textContent: 'Body is not valid JSON: ' + e.message }));
      }
    }
    if (!parsed) {
      if (text) body.append(el('pre', { textContent: text.length > 200000 ? text.slice(0, 200000) + '\n… (cut at 200,000 characters)' : text }));
      drawWindow(null, target);
      updateNav();
      return;
    }
    if (isPage(data)) renderPage(data, target, body);
    else {
      body.append(jsonBlock(data));
      drawWindow(null, target);
    }
    updateNav();
  }

  const isPage = (d) => d && typeof d === 'object' && !Array.isArray(d) && typeof d.count === 'number' && Array.isArray(d.results);

  function renderPage(data, target, body) {
    page = { next: typeof data.next === 'string' ? data.next : null, previous: typeof data.previous === 'string' ? data.previous : null };
    const win = drawWindow(data, target);
    const dl = el('dl', { className: 'headers links' });
    for (const [k, v] of Object.entries(data)) {
      if (k === 'results') continue;
      dl.append(el('dt', { textContent: k }), el('dd', null, jsonInline(v)));
    }
    body.append(dl);
    if (data.results.length === 0) {
      body.append(el('p', { className: 'muted', textContent: 'results: [] (no item in this window)' }));
      return;
    }
    $('body-tools').hidden = false;
    data.results.forEach((item, i) => body.append(itemDetails(item, win.start + i)));
  }

  // itemDetails folds one result; its JSON is rendered when first opened.
  function itemDetails(item, index) {
    const d = el('details', { className: 'item' });
    const u = item && typeof item === 'object' ? (item.from_user || {}) : {};
    const sum = el('summary', null,
      el('span', { className: 'idx', textContent: '#' + index }),
      el('span', { textContent: 'id ' + (item && item.id !== undefined ? String(item.id) : '—') }),
      el('span', { className: 'j-str', textContent: String(u.username ?? '') }),
      el('span', { textContent: String(u.real_name ?? '') }),
      el('span', { className: 'muted', textContent: String(item && item.created ? item.created : '') }));
    d.append(sum);
    d.addEventListener('toggle', () => {
      if (d.open && d.childElementCount === 1) d.append(jsonBlock(item));
    });
    return d;
  }

  $('expand-all').addEventListener('click', () => { for (const d of $('body').querySelectorAll('details.item')) d.open = true; });
  $('collapse-all').addEventListener('click', () => { for (const d of $('body').querySelectorAll('details.item')) d.open = false; });

  // ---- JSON as text nodes -------------------------------------------------------------------

  function jsonBlock(v) {
    const pre = el('pre', { className: 'json' });
    writeJSON(pre, v, '');
    return pre;
  }

  function jsonInline(v) {
    const s = el('span', { className: 'json' });
    writeJSON(s, v, '');
    return s;
  }

  function writeJSON(out, v, ind) {
    if (v === null || typeof v === 'boolean') { out.append(el('span', { className: 'j-lit', textContent: String(v) })); return; }
    if (typeof v === 'number') { out.append(el('span', { className: 'j-num', textContent: String(v) })); return; }
    if (typeof v === 'string') { out.append(stringNode(v)); return; }
    const inner = ind + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) { out.append('[]'); return; }
      out.append('[\n');
      v.forEach((x, i) => { out.append(inner); writeJSON(out, x, inner); out.append(i < v.length - 1 ? ',\n' : '\n'); });
      out.append(ind + ']');
      return;
    }
    const keys = Object.keys(v);
    if (keys.length === 0) { out.append('{}'); return; }
    out.append('{\n');
    keys.forEach((k, i) => {
      out.append(inner, el('span', { className: 'j-key', textContent: JSON.stringify(k) }), ': ');
      writeJSON(out, v[k], inner);
      out.append(i < keys.length - 1 ? ',\n' : '\n');
    });
    out.append(ind + '}');
  }

  // stringNode shows a JSON string as text; a link to a list path (of any host: links name
  // --public-url) or to this origin becomes a button that opens it in the explorer (a plain
  // navigation would drop the token).
  function stringNode(s) {
    const shown = JSON.stringify(s);
    const u = explorable(s);
    if (!u) {
      const external = /^https?:\/\//i.test(s) ? 'a URL of another origin: shown as text (the console contacts only its own origin)' : '';
      return el('span', { className: 'j-str', textContent: shown, title: external });
    }
    const b = el('button', { type: 'button', className: 'link', textContent: shown, title: 'Open in the explorer' });
    b.addEventListener('click', () => openLink(s));
    return b;
  }

  function explorable(s) {
    if (s.length > 4096 || !/^https?:\/\//i.test(s)) return null;
    try {
      const u = new URL(s);
      return matchListPath(u.pathname) || u.origin === location.origin ? u : null;
    } catch { return null; }
  }

  // openLink sends a link from a body verbatim (its path and query) to this origin.
  function openLink(link) {
    const u = new URL(link, location.href);
    targetToFields(u.pathname, u.search);
    const note = u.origin !== location.origin ? 'link of ' + u.origin + ' sent to this server' : '';
    send(u.pathname + u.search, note);
  }

  // ---- the window drawing -------------------------------------------------------------------

  function linkWindow(link, count) {
    if (typeof link !== 'string') return null;
    try {
      const p = new URL(link, location.href).searchParams;
      const limit = toInt(p.get('limit'));
      const offset = p.has('offset') ? toInt(p.get('offset')) : 0;
      if (limit === null || offset === null) return null;
      return { start: offset, end: Math.min(offset + limit, Math.max(count, offset)), limit };
    } catch { return null; }
  }

  // toInt parses a non-negative integer the way Django REST Framework's pager does (Python
  // int() after trimming spaces), or null.
  function toInt(s) {
    if (s === null) return null;
    const t = s.trim();
    if (!/^\+?\d+$/.test(t)) return null;
    return Number(t.replace('+', ''));
  }

  function place(seg, range, count) {
    if (!range || count <= 0) { seg.classList.remove('on'); return; }
    const a = Math.min(range.start, count);
    const b = Math.min(Math.max(range.end, a), count);
    seg.style.left = (a / count * 100) + '%';
    seg.style.width = ((b - a) / count * 100) + '%';
    if (a >= count) seg.style.left = 'calc(100% - 3px)';
    seg.classList.add('on');
  }

  const rangeText = (r) => r.end > r.start ? fmt(r.start) + '–' + fmt(r.end - 1) : 'none (offset ' + fmt(r.start) + ')';

  // drawWindow shows where the page sits in the list: count is the bar, the current window
  // is highlighted, previous and next are the windows their links point to.
  function drawWindow(data, target) {
    const fig = $('window');
    const cur = $('w-current'); const pv = $('w-previous'); const nx = $('w-next');
    pv.textContent = ''; nx.textContent = '';
    for (const k of Object.keys(fig.dataset)) delete fig.dataset[k];
    if (!data) {
      place($('bar-cur'), null, 0); place($('bar-prev'), null, 0); place($('bar-next'), null, 0);
      $('bar-count').textContent = 'count';
      cur.textContent = 'No list in this answer.';
      return { start: 0, end: 0 };
    }
    const count = data.count;
    const q = new URL(target, location.href).searchParams;
    const prev = linkWindow(data.previous, count);
    const next = linkWindow(data.next, count);
    // The window the server used: offset from the request (DRF: a non-negative integer, else
    // 0); cross-checked against the links, which name it exactly.
    let start = q.has('offset') ? (toInt(q.getAll('offset').pop()) ?? 0) : 0;
    if (next) start = next.start - next.limit;
    else if (prev && data.previous && new URL(data.previous, location.href).searchParams.has('offset')) start = prev.start + prev.limit;
    const win = { start, end: start + data.results.length };
    fig.dataset.count = String(count);
    fig.dataset.start = String(win.start);
    fig.dataset.end = String(win.end);
    $('bar-count').textContent = fmt(count);
    place($('bar-cur'), win.end > win.start ? win : { start: win.start, end: win.start }, count);
    place($('bar-prev'), prev, count);
    place($('bar-next'), next, count);
    if (count === 0) cur.textContent = 'Empty list: count 0.';
    else if (win.end > win.start) cur.textContent = 'items ' + rangeText(win) + ' of ' + fmt(count) + ' (' + fmt(data.results.length) + ' shown)';
    else cur.textContent = 'offset ' + fmt(win.start) + ' is past the end: no item of ' + fmt(count);
    if (prev) { pv.textContent = 'previous → ' + rangeText(prev); fig.dataset.prevStart = String(prev.start); fig.dataset.prevEnd = String(prev.end); } else pv.textContent = 'previous: null';
    if (next) { nx.textContent = 'next → ' + rangeText(next); fig.dataset.nextStart = String(next.start); fig.dataset.nextEnd = String(next.end); } else nx.textContent = 'next: null';
    return win;
  }

  function updateNav() {
    $('go-prev').disabled = !page.previous;
    $('go-next').disabled = !page.next;
  }
  $('go-prev').addEventListener('click', () => { if (page.previous) openLink(page.previous); });
  $('go-next').addEventListener('click', () => { if (page.next) openLink(page.next); });

  // ---- form ---------------------------------------------------------------------------------

  $('request-form').addEventListener('submit', (e) => {
    e.preventDefault();
    send(fieldsToTarget());
  });
  $('request-form').addEventListener('input', fromForm);
  f.path.addEventListener('change', () => { syncUserField(); fromForm(); });
  $('token-show').addEventListener('click', () => {
    const show = f.token.classList.toggle('masked') === false;
    $('token-show').textContent = show ? 'Hide' : 'Show';
    $('token-show').setAttribute('aria-pressed', String(show));
  });

  // ---- scenarios ----------------------------------------------------------------------------

  let scenarios = [];

  async function loadScenarios() {
    const list = $('scenario-list');
    try {
      const res = await fetch(ADMIN + '/scenarios', { cache: 'no-store' });
      if (!res.ok) throw new Error('status ' + res.status);
      scenarios = (await res.json()).scenarios || [];
    } catch (e) {
      list.replaceChildren(el('li', { className: 's4', textContent: 'Cannot load the scenarios: ' + e.message }));
      return;
    }
    $('scenario-count').textContent = String(scenarios.length);
    const hints = $('prefer-hints');
    hints.replaceChildren(...['code=404', 'code=500', 'delay=250ms'].map((v) => el('option', { value: v })),
      ...scenarios.map((s) => el('option', { value: 'scenario=' + s.name })));
    list.replaceChildren(...scenarios.map(scenarioItem));
  }

  function scenarioItem(s) {
    const what = s.count !== null && s.count !== undefined ? 'count ' + fmt(s.count) : 'status ' + s.status;
    const faults = s.faults && s.faults.length ? ' · faults: ' + s.faults.join(', ') : '';
    const src = String(s.source || '');
    const open = el('button', { type: 'button', textContent: 'Open', title: 'Open user ' + s.id + ' in the explorer' });
    open.addEventListener('click', () => openScenario(s, false));
    const viaPrefer = el('button', { type: 'button', textContent: 'via Prefer', title: 'Open user 1 with Prefer: scenario=' + s.name });
    viaPrefer.addEventListener('click', () => openScenario(s, true));
    const li = el('li', { dataset: { name: s.name } },
      el('div', { className: 'name', textContent: s.name }),
      el('div', { className: 'meta', textContent: 'id ' + s.id + ' · ' + what + faults }),
      el('div', { className: 'desc', textContent: String(s.description || '') }),
      el('div', { className: 'row' }, open, viaPrefer, el('span', { className: 'meta', textContent: src })));
    li.dataset.search = (s.name + ' ' + (s.description || '') + ' ' + s.id).toLowerCase();
    return li;
  }

  function openScenario(s, viaPrefer) {
    f.path.value = LIST_PATHS[0].tpl;
    f.user.value = viaPrefer ? '1' : String(s.id);
    f.limit.value = ''; f.offset.value = ''; f.extra.value = '';
    f.prefer.value = viaPrefer ? 'scenario=' + s.name : '';
    syncUserField();
    send(fieldsToTarget());
  }

  $('scenario-filter').addEventListener('input', (e) => {
    const q = e.target.value.trim().toLowerCase();
    for (const li of $('scenario-list').children) li.hidden = q !== '' && !(li.dataset.search || '').includes(q);
  });

  // ---- journal ------------------------------------------------------------------------------
  //
  // The journal is polled once a second (only while the tab is visible), with ?after= the
  // last sequence number seen, so an idle poll costs the server a lock and a few bytes, and
  // a closed console costs it nothing. Rows are drawn in a few recycled slots of fixed height
  // placed with transforms: a new request rewrites the text of the slots in place, so no
  // element moves (no layout shift) and a thousand rows cost as little as ten.

  const ROW_H = 38;
  let entries = []; // newest first
  let shown = []; // entries passing the filters
  let lastSeq = 0;
  let paused = false;
  let pollTimer = 0;
  let polling = false;
  const scroller = $('journal-scroll');
  const rowsBox = $('journal-rows');
  const slots = [];

  function statusClass(st) { return st === 0 ? '0' : String(st)[0]; }
  const entryTarget = (e) => e.path + (e.query ? '?' + e.query : '');

  function newSlot() {
    const time = el('span');
    const status = el('span');
    const link = el('button', { type: 'button', className: 'link' });
    const sub = el('span', { className: 'sub' });
    const row = el('div', { className: 'jrow', role: 'listitem' }, time, status, el('span', null, link, sub));
    row.style.height = ROW_H + 'px';
    row.addEventListener('click', () => {
      const e = entries.find((x) => String(x.seq) === row.dataset.seq);
      if (e) reopen(e);
    });
    row.parts = { time, status, link, sub };
    rowsBox.append(row);
    return row;
  }

  function fillSlot(row, e) {
    if (row.dataset.seq === String(e.seq)) return;
    const target = entryTarget(e);
    const extra = [e.scenario && 'scenario ' + e.scenario, e.fault && 'fault ' + e.fault].filter(Boolean);
    row.dataset.seq = String(e.seq);
    row.dataset.path = target;
    row.dataset.status = String(e.status);
    row.parts.time.textContent = e.time.slice(11, 19);
    row.parts.time.title = e.time;
    row.parts.status.textContent = e.status === 0 ? '—' : String(e.status);
    row.parts.status.className = 's' + statusClass(e.status);
    row.parts.link.textContent = e.method + ' ' + e.path;
    row.parts.link.title = e.method + ' ' + target + ' — open in the explorer';
    row.parts.sub.textContent = [e.query ? '?' + e.query : '', e.duration_ms + ' ms', ...extra].filter(Boolean).join(' · ');
  }

  function passes(e) {
    const p = $('j-path').value.trim().toLowerCase();
    const s = $('j-status').value;
    if (p && !entryTarget(e).toLowerCase().includes(p)) return false;
    if (s !== '' && statusClass(e.status) !== s) return false;
    return true;
  }

  function renderJournal() {
    rowsBox.style.height = (shown.length * ROW_H) + 'px';
    const visible = Math.ceil((scroller.clientHeight || 420) / ROW_H) + 1;
    while (slots.length < visible) slots.push(newSlot());
    const first = Math.floor(scroller.scrollTop / ROW_H);
    slots.forEach((row, k) => {
      const i = first + k;
      if (k >= visible || i >= shown.length) { row.hidden = true; return; }
      fillSlot(row, shown[i]);
      row.style.transform = 'translateY(' + (i * ROW_H) + 'px)';
      row.hidden = false;
    });
    $('journal-count').textContent = shown.length === entries.length ? String(entries.length) : shown.length + '/' + entries.length;
  }

  function refilter() {
    shown = entries.filter(passes);
    scroller.scrollTop = 0;
    renderJournal();
  }
  $('j-path').addEventListener('input', refilter);
  $('j-status').addEventListener('change', refilter);
  let scrollFrame = 0;
  scroller.addEventListener('scroll', () => {
    if (!scrollFrame) scrollFrame = requestAnimationFrame(() => { scrollFrame = 0; renderJournal(); });
  });
  new ResizeObserver(() => renderJournal()).observe(scroller);

  function reopen(e) {
    const m = matchListPath(e.path);
    if (m) {
      targetToFields(e.path, e.query ? '?' + e.query : '');
      // The journal records the scenario served, not the headers: a scenario that is not the
      // owner's reserved one came from Prefer.
      const sc = scenarios.find((s) => s.name === e.scenario);
      f.prefer.value = sc && String(sc.id) !== m.id ? 'scenario=' + sc.name : '';
    }
    send(entryTarget(e), m ? 'from the journal' : 'from the journal (not a list path: the form is unchanged)');
  }

  function addEntries(fresh, firstSeq) {
    const before = shown.length;
    if (fresh.length) entries = fresh.concat(entries);
    entries = entries.filter((e) => e.seq >= firstSeq).slice(0, JOURNAL_ROWS_MAX);
    shown = entries.filter(passes);
    // Someone reading older rows keeps them where they are: the new ones land above.
    const added = shown.length - before;
    rowsBox.style.height = (shown.length * ROW_H) + 'px';
    if (scroller.scrollTop > 0 && added > 0) scroller.scrollTop += added * ROW_H;
    renderJournal();
  }

  async function poll() {
    clearTimeout(pollTimer);
    if (polling) return;
    if (paused || document.hidden) { pollTimer = setTimeout(poll, POLL_MS); return; }
    polling = true;
    try {
      // The first poll asks for the newest rows only: a full journal is ~200 KB.
      const q = lastSeq === 0 && entries.length === 0 ? '?limit=' + JOURNAL_FIRST : '?after=' + lastSeq;
      const res = await fetch(ADMIN + '/requests' + q, { cache: 'no-store' });
      if (!res.ok) throw new Error('status ' + res.status);
      const j = await res.json();
      if (j.last_seq < lastSeq) { // the server restarted: start over at the next tick
        entries = []; lastSeq = 0; addEntries([], 0);
        return;
      }
      $('j-state').textContent = j.size === 0 ? 'The journal is off (--journal-size 0).' : 'Newest first, updated every second while this tab is visible.';
      addEntries((j.requests || []).filter((e) => e.seq > lastSeq), j.first_seq);
      lastSeq = j.last_seq;
    } catch (e) {
      $('j-state').textContent = 'Journal unreachable (' + e.message + '); retrying every second.';
    } finally {
      polling = false;
      pollTimer = setTimeout(poll, POLL_MS);
    }
  }

  $('j-pause').addEventListener('click', () => {
    paused = !paused;
    $('j-pause').textContent = paused ? 'Resume' : 'Pause';
    $('j-pause').setAttribute('aria-pressed', String(paused));
    if (!paused) poll();
  });
  $('j-clear').addEventListener('click', async () => {
    try {
      const res = await fetch(ADMIN + '/requests', { method: 'DELETE', cache: 'no-store' });
      if (!res.ok) throw new Error('status ' + res.status);
      entries = [];
      addEntries([], 0);
    } catch (e) {
      $('j-state').textContent = 'Clear failed: ' + e.message;
    }
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });

  // ---- start ----------------------------------------------------------------------------------

  async function loadHealth() {
    try {
      const h = await (await fetch(ADMIN + '/health', { cache: 'no-store' })).json();
      $('server').textContent = location.host + ' · ' + (h.strict ? 'strict' : 'faithful') + ' mode · friendship ' + (h.friendship ? 'on' : 'off') +
        (h.version ? ' · connreq ' + h.version : '');
    } catch (e) {
      $('server').textContent = 'server unreachable: ' + e.message;
    }
  }

  syncUserField();
  fromForm();
  Promise.all([loadScenarios(), loadHealth(), poll()]).then(() => {
    performance.mark('console-ready');
    document.body.dataset.ready = 'true';
  });
})();
