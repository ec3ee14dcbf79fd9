// The official SelfCommunity widget against connreq serve, in Debian's Chromium, with no
// request intercepted or stubbed. Run by .ci/widget-e2e (which builds the bundle and starts
// the mocks): node --test test.mjs
//
// Environment: WIDGET_BUNDLE (the esbuild output folder), MOCK_URL (connreq serve),
// MOCK_OFF_URL (connreq serve --friendship=false), ARTIFACTS (screenshots folder).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import {chromium} from 'playwright-core';

const bundle = process.env.WIDGET_BUNDLE;
const mockURL = process.env.MOCK_URL;
const mockOffURL = process.env.MOCK_OFF_URL;
const artifacts = process.env.ARTIFACTS;
for (const [k, v] of Object.entries({WIDGET_BUNDLE: bundle, MOCK_URL: mockURL, MOCK_OFF_URL: mockOffURL, ARTIFACTS: artifacts})) {
  if (!v) throw new Error(`${k} is not set`);
}

// A JWT naming the caller: connreq takes user_id from it (the signature is checked only
// with --jwt-secret). It is handed to the page in memory, never in a URL.
const tokenFor = (userID) =>
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' +
  Buffer.from(JSON.stringify({user_id: userID, token_type: 'access', jti: `e2e-${userID}`})).toString('base64url') +
  '.Y29ubnJlcS1lMmU';

async function api(base, pathAndQuery, userID, token) {
  token ??= userID ? tokenFor(userID) : null;
  const res = await fetch(base + pathAndQuery, {headers: token ? {Authorization: `Bearer ${token}`} : {}});
  assert.equal(res.status, 200, `${pathAndQuery}: status ${res.status}`);
  return res.json();
}

// The caller's whole received list, walked at the maximum limit.
async function wholeList(userID, base = mockURL, token = undefined) {
  const items = [];
  let url = `${base}/api/v2/user/connection/requests/?limit=100`;
  let count = null;
  while (url) {
    const page = await api('', url, userID, token);
    count ??= page.count;
    assert.equal(page.count, count, 'count changed during the walk');
    items.push(...page.results);
    url = page.next;
  }
  assert.equal(items.length, count);
  return {count, items};
}

// The button the widget shows for a sender, as connection_status implies it.
const buttonFor = (status) => ({received_connection_request: 'Accept', connected: 'Remove', sent_connection_request: 'Cancel request'})[status] ?? 'Connect';

let browser;
let pageServer;
let pageOrigin;

before(async () => {
  fs.mkdirSync(artifacts, {recursive: true});
  // The page is served from another origin than the mock: localhost:<port> against 127.0.0.1:<port>.
  pageServer = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://page').pathname.replace(/^\/$/, '/index.html');
    const file = path.join(bundle, path.normalize(name));
    if (!file.startsWith(bundle) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    const type = {'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css'}[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {'Content-Type': type});
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => pageServer.listen(0, 'localhost', r));
  pageOrigin = `http://localhost:${pageServer.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  pageServer?.close();
});

// open renders the page for userID against base and returns the page, the API calls the
// page made (method, url, status) and the page errors.
async function open(base, userID) {
  await fetch(`${base}/__connreq/requests`, {method: 'DELETE'});
  const context = await browser.newContext({viewport: {width: 1280, height: 800}});
  const page = await context.newPage();
  const calls = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.url().startsWith(base + '/')) calls.push({method: r.request().method(), url: r.url().slice(base.length), status: r.status()});
  });
  await page.addInitScript(([api, token]) => {
    window.__CONNREQ__ = {api, token};
  }, [base, tokenFor(userID)]);
  await page.goto(`${pageOrigin}/index.html`);
  return {page, context, calls, errors};
}

// serverLog is what the mock answered (its journal: preflights included), oldest first.
async function serverLog(base) {
  const j = await (await fetch(`${base}/__connreq/requests`)).json();
  return j.requests.reverse().map((r) => ({method: r.method, url: r.path + (r.query ? `?${r.query}` : ''), status: r.status}));
}

function assertAll2xx(name, log) {
  console.log(`# ${name}: ${log.length} API calls answered by connreq`);
  for (const c of log) console.log(`#   ${c.status} ${c.method} ${c.url}`);
  const bad = log.filter((c) => c.status < 200 || c.status > 299);
  assert.deepEqual(bad, [], `${name}: every API call must get a 2xx`);
}

async function widgetItems(scope) {
  return scope.locator('.SCUser-root').evaluateAll((els) =>
    els.map((el) => ({
      username: el.querySelector('.SCBaseItemButton-primary')?.textContent,
      href: el.querySelector('a')?.getAttribute('href'),
      button: el.querySelector('button')?.textContent,
    })));
}

function assertItems(where, got, want) {
  assert.equal(got.length, want.length, `${where}: ${got.length} items shown, want ${want.length}`);
  got.forEach((g, i) => {
    const u = want[i].from_user;
    assert.deepEqual(g, {username: u.username, href: `/user/${u.id}/`, button: buttonFor(u.connection_status)},
      `${where}: item ${i} (request ${want[i].id})`);
  });
}

// walkDialog clicks "Show All" and scrolls the dialog until its end message: the widget's
// dialog follows `next` as it scrolls. It returns the dialog.
async function walkDialog(page, widget) {
  // "Show All": the dialog's first call is offset=3&limit=10; the widget's scroll handler
  // does not wait for a load in flight, so scrolling starts after that answer.
  const first = page.waitForResponse((r) => r.url().includes('offset=3') && r.url().includes('limit=10'));
  await widget.locator('.SCUserConnectionsRequestsWidget-show-more').click();
  await first;
  const dialog = page.locator('.SCUserConnectionsRequestsWidget-dialog-root');
  const end = dialog.locator('.SCUserConnectionsRequestsWidget-end-message');
  for (let rounds = 0; !(await end.isVisible()); rounds++) {
    assert.ok(rounds < 200, 'the dialog never reached its end message');
    const shown = await dialog.locator('.SCUser-root').count();
    const more = page.waitForResponse((r) => r.url().includes('/connection/requests/'), {timeout: 3000}).catch(() => null);
    await dialog.locator('.SCUser-root').last().scrollIntoViewIfNeeded();
    await dialog.evaluate((d) => {
      for (const el of d.querySelectorAll('*')) {
        if (el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(el).overflowY)) el.scrollTop = el.scrollHeight;
      }
    });
    await more;
    await page.waitForFunction((n) => document.querySelectorAll('.SCUserConnectionsRequestsWidget-dialog-root .SCUser-root').length > n ||
      document.querySelector('.SCUserConnectionsRequestsWidget-end-message'), shown, {timeout: 5000}).catch(() => {});
  }
  return dialog;
}

test('long list: widget, title, "Show All" dialog walked to the end in the server order', async () => {
  const user = 1;
  const {count, items} = await wholeList(user);
  assert.ok(count > 13, `user ${user} must have a long list (count ${count})`);
  const me = await api(mockURL, '/api/v2/user/me/', user);
  assert.equal(me.connection_requests_received_counter, count, '/user/me/ counter equals the list count');
  assert.ok(items.some((it) => it.from_user.connection_status === null), 'the list has a rejected request');

  const {page, context, calls, errors} = await open(mockURL, user);
  const widget = page.locator('.SCUserConnectionsRequestsWidget-root');
  await widget.locator('.SCUser-root').first().waitFor();
  assert.equal(await page.locator('#crash').count(), 0, 'the app did not crash');
  assert.equal(await widget.locator('.SCUserConnectionsRequestsWidget-title').textContent(), `${count} connections requests`);
  assertItems('widget', await widgetItems(widget), items.slice(0, 3));
  await widget.screenshot({path: path.join(artifacts, 'widget-long.png')});

  const dialog = await walkDialog(page, widget);
  const inDialog = await widgetItems(dialog);
  assert.equal(new Set(inDialog.map((i) => i.href)).size, count, 'the dialog lists exactly count distinct requests');
  assertItems('dialog', inDialog, items);
  // The screenshot shows a rejected request's sender ("Connect") among pending ones ("Accept").
  const rejected = items.findIndex((it) => it.from_user.connection_status === null);
  await dialog.locator('.SCUser-root').nth(Math.max(rejected - 2, 0)).scrollIntoViewIfNeeded();
  await dialog.locator('.SCUser-root').nth(rejected).scrollIntoViewIfNeeded();
  await page.screenshot({path: path.join(artifacts, 'dialog-long.png')});

  assert.deepEqual(errors, [], 'no page error');
  const listCalls = calls.filter((c) => c.url.includes('/connection/requests/'));
  assert.ok(listCalls.length >= 2 + Math.ceil((count - 13) / 10), `the dialog followed next: ${listCalls.length} list calls`);
  assertAll2xx('long list', await serverLog(mockURL));
  await context.close();
});

test('short list: every request shown, no "Show All"', async () => {
  const user = 12;
  const {count, items} = await wholeList(user);
  assert.ok(count > 0 && count <= 3, `user ${user} must have a short list (count ${count})`);
  const {page, context, errors} = await open(mockURL, user);
  const widget = page.locator('.SCUserConnectionsRequestsWidget-root');
  await widget.locator('.SCUser-root').first().waitFor();
  assert.equal(await widget.locator('.SCUserConnectionsRequestsWidget-title').textContent(), `${count} connections requests`);
  assertItems('widget', await widgetItems(widget), items);
  assert.equal(await widget.locator('.SCUserConnectionsRequestsWidget-show-more').count(), 0);
  await widget.screenshot({path: path.join(artifacts, 'widget-short.png')});
  assert.deepEqual(errors, []);
  assertAll2xx('short list', await serverLog(mockURL));
  await context.close();
});

test('empty scenario: the widget shows its empty state', async () => {
  const scenarios = await (await fetch(`${mockURL}/__connreq/scenarios`)).json();
  const empty = (scenarios.scenarios ?? scenarios).find((s) => s.name === 'empty');
  assert.ok(empty, 'the empty scenario is listed');
  const {count} = await wholeList(empty.id);
  assert.equal(count, 0);
  const {page, context, errors} = await open(mockURL, empty.id);
  const widget = page.locator('.SCUserConnectionsRequestsWidget-root');
  await widget.locator('.SCUserConnectionsRequestsWidget-no-results').waitFor();
  assert.equal(await widget.locator('.SCUserConnectionsRequestsWidget-title').textContent(), '0 connections requests');
  assert.equal(await widget.locator('.SCUser-root').count(), 0);
  await widget.screenshot({path: path.join(artifacts, 'widget-empty.png')});
  assert.deepEqual(errors, []);
  assertAll2xx('empty', await serverLog(mockURL));
  await context.close();
});

test('friendship off (--friendship=false): the client hides the widget and never asks for the list', async () => {
  const prefs = await api(mockOffURL, '/api/v2/dynamic_preference/');
  const byKey = Object.fromEntries(prefs.results.map((p) => [`${p.section}.${p.name}`, p.value]));
  assert.equal(byKey['configurations.connection_enabled'], false);
  assert.equal(byKey['configurations.follow_enabled'], true);
  const {page, context, errors} = await open(mockOffURL, 1);
  await page.waitForResponse((r) => r.url().includes('/api/v2/user/me/'));
  await page.waitForLoadState('networkidle');
  await page.locator('#booted').waitFor();
  assert.equal(await page.locator('.SCUserConnectionsRequestsWidget-root').count(), 0, 'widget hidden');
  assert.equal(await page.locator('#crash').count(), 0, 'the app did not crash');
  await page.screenshot({path: path.join(artifacts, 'friendship-off.png')});
  assert.deepEqual(errors, []);
  const log = await serverLog(mockOffURL);
  assert.equal(log.filter((c) => c.url.includes('/connection/requests/')).length, 0);
  assertAll2xx('friendship off', log);
  await context.close();
});

// A real Django REST Framework deployment (contract/testdata/drfapp), recorded anonymised
// with connreq record and served offline with connreq serve --replay: the official client
// boots on the recorded preferences, features and profile, and its widget and dialog list
// the live app's requests in the live app's order.
test('replay of a recorded DRF deployment: the widget and its dialog walk match the live app', async () => {
  const liveURL = process.env.LIVE_URL;
  const replayURL = process.env.REPLAY_URL;
  const liveToken = process.env.LIVE_TOKEN;
  const user = Number(process.env.LIVE_USER);
  assert.ok(liveURL && replayURL && liveToken && user, 'LIVE_URL, REPLAY_URL, LIVE_TOKEN and LIVE_USER are set by .ci/widget-e2e');
  const live = await wholeList(user, liveURL, liveToken);
  const replayed = await wholeList(user, replayURL);
  assert.ok(live.count > 13, `the live list is long (count ${live.count})`);
  assert.equal(replayed.count, live.count);
  assert.deepEqual(replayed.items.map((it) => it.id), live.items.map((it) => it.id), 'the replay holds the live list, in order');
  const me = await api(replayURL, '/api/v2/user/me/', user);
  assert.equal(me.connection_requests_received_counter, live.count);

  const {page, context, errors} = await open(replayURL, user);
  const widget = page.locator('.SCUserConnectionsRequestsWidget-root');
  await widget.locator('.SCUser-root').first().waitFor();
  assert.equal(await widget.locator('.SCUserConnectionsRequestsWidget-title').textContent(), `${live.count} connections requests`);
  // Anonymised names come from the replay; ids, order and statuses are the live app's.
  const expected = replayed.items.map((it, i) => ({...it, from_user: {...it.from_user, connection_status: live.items[i].from_user.connection_status}}));
  assertItems('widget (replay)', await widgetItems(widget), expected.slice(0, 3));
  await widget.screenshot({path: path.join(artifacts, 'replay-widget.png')});
  const dialog = await walkDialog(page, widget);
  assertItems('dialog (replay)', await widgetItems(dialog), expected);
  await page.screenshot({path: path.join(artifacts, 'replay-dialog.png')});
  assert.deepEqual(errors, []);
  assertAll2xx('replay of the DRF app', await serverLog(replayURL));
  await context.close();
});

// The lifecycle through the widget's own buttons (issue 13): "Accept" on a pending request,
// "Connect" on a rejected request's sender, reloads, and DELETE /__connreq/state. react-ui
// 0.11.0-alpha.119 does not refresh the list or the title after a click (the button turns
// into "Remove" / "Cancel"); a reload shows what the server now holds.
async function lifecycleFlow(base, {user, tag, reads}) {
  await fetch(`${base}/__connreq/state?all=true`, {method: 'DELETE'});
  const before = await wholeList(user, base);
  const shown = before.items.slice(0, 3);
  const a = shown.findIndex((it) => it.from_user.connection_status === 'received_connection_request');
  const c = shown.findIndex((it) => it.from_user.connection_status === null);
  assert.ok(a >= 0 && c >= 0, `user ${user}'s first three hold a pending and a rejected request`);
  const accepted = shown[a].from_user;
  const rejected = shown[c].from_user;

  const {page, context, errors} = await open(base, user);
  const widget = page.locator('.SCUserConnectionsRequestsWidget-root');
  const title = widget.locator('.SCUserConnectionsRequestsWidget-title');
  await widget.locator('.SCUser-root').first().waitFor();
  assert.equal(await title.textContent(), `${before.count} connections requests`);

  // Accept: the server answers 2xx, the button turns into "Remove".
  const acceptAnswer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/user/${accepted.id}/connection/accept/`));
  await widget.locator('.SCUser-root').nth(a).locator('button').click();
  const acc = await acceptAnswer;
  assert.ok(acc.status() >= 200 && acc.status() < 300, `accept answered ${acc.status()}`);
  assert.equal((await acc.json()).connection_status, 'connected');
  await widget.locator('.SCUser-root').nth(a).locator('button', {hasText: 'Remove'}).waitFor();
  await widget.screenshot({path: path.join(artifacts, `${tag}-accepted.png`)});

  // A reload shows the list without the accepted request and the title one lower.
  await page.reload();
  await widget.locator('.SCUser-root').first().waitFor();
  const afterAccept = await wholeList(user, base);
  assert.equal(afterAccept.count, before.count - 1);
  assert.ok(!afterAccept.items.some((it) => it.from_user.id === accepted.id), 'the accepted request left the list');
  assert.equal(await title.textContent(), `${before.count - 1} connections requests`);
  assertItems(`${tag} after accept and reload`, await widgetItems(widget), afterAccept.items.slice(0, 3));
  for (const r of reads) { // every replica holds the same world
    assert.equal((await wholeList(user, r)).count, before.count - 1, `${r} sees the accept`);
  }

  // Connect on a rejected request's sender: the request moves to the caller's sent list.
  const i = (await widgetItems(widget)).findIndex((it) => it.href === `/user/${rejected.id}/`);
  assert.ok(i >= 0, 'the rejected sender is still shown');
  const connectAnswer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/user/${rejected.id}/connection/request/`));
  await widget.locator('.SCUser-root').nth(i).locator('button', {hasText: 'Connect'}).click();
  const con = await connectAnswer;
  assert.ok(con.status() >= 200 && con.status() < 300, `request answered ${con.status()}`);
  await widget.locator('.SCUser-root').nth(i).locator('button', {hasText: 'Cancel'}).waitFor();
  const sent = await api(base, '/api/v2/user/connection/requests_sent/?limit=100', user);
  assert.ok(sent.results.some((it) => it.to_user.id === rejected.id), 'the request is in the sent list');
  const afterConnect = await wholeList(user, base);
  assert.ok(!afterConnect.items.some((it) => it.from_user.id === rejected.id), 'the rejected request left the received list');
  await widget.screenshot({path: path.join(artifacts, `${tag}-connected.png`)});

  // DELETE /__connreq/state brings the generated world back.
  const del = await fetch(`${base}/__connreq/state`, {method: 'DELETE'});
  assert.equal(del.status, 204);
  await page.reload();
  await widget.locator('.SCUser-root').first().waitFor();
  assert.equal(await title.textContent(), `${before.count} connections requests`);
  assertItems(`${tag} after reset`, await widgetItems(widget), shown);
  assert.deepEqual(errors, []);
  await context.close();
}

test('lifecycle in the widget: Accept, reload, Connect on a rejected sender, reset', async () => {
  await lifecycleFlow(mockURL, {user: 4, tag: 'lifecycle', reads: [mockURL]});
  assertAll2xx('lifecycle', await serverLog(mockURL));
});

// A round-robin load balancer in front of two replicas that share one redis-server: the
// page's requests alternate between them, links keep the balancer's host.
test('lifecycle on two replicas sharing Redis, the page\'s requests alternating between them', async () => {
  const upstreams = [process.env.REPLICA_A, process.env.REPLICA_B];
  assert.ok(upstreams.every(Boolean), 'REPLICA_A and REPLICA_B are set by .ci/widget-e2e');
  const served = [0, 0];
  let n = 0;
  const lb = http.createServer((req, res) => {
    const k = n++ % 2;
    served[k]++;
    const u = new URL(upstreams[k]);
    const up = http.request({host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers}, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise((r) => lb.listen(0, '127.0.0.1', r));
  const lbURL = `http://127.0.0.1:${lb.address().port}`;
  try {
    for (const u of upstreams) await fetch(`${u}/__connreq/requests`, {method: 'DELETE'});
    await lifecycleFlow(lbURL, {user: 4, tag: 'replicas', reads: upstreams});
    assert.ok(served[0] > 5 && served[1] > 5, `both replicas answered the page (${served})`);
    console.log(`# replicas: ${served[0]} and ${served[1]} requests through the balancer`);
    for (const [k, u] of upstreams.entries()) assertAll2xx(`replica ${'AB'[k]}`, await serverLog(u));
  } finally {
    lb.close();
  }
});
