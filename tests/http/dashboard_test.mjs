// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core, against a real `troupe serve` on 127.0.0.1. Jobs are
// submitted through the API, as a client would, and the page must show them.
// Screenshots go to $TROUPE_SCREENSHOTS.
//
// Run by ctest: TROUPE_BINARY=build/bin/troupe TROUPE_SCREENSHOTS=dir node --test THIS
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const binary = process.env.TROUPE_BINARY;
const screenshots = process.env.TROUPE_SCREENSHOTS;
const scratch = mkdtempSync(join(tmpdir(), 'troupe-dashboard-'));
const waitMs = 20000;
const laptop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

/** A `troupe serve` of its own, on a port the system picks; stopped by PID. */
async function startServer(name, extra = []) {
  const dir = join(scratch, name);
  mkdirSync(dir);
  const log = join(dir, 'server.log');
  const proc = spawn('sh', ['-c', `exec "$0" "$@" 2>"${log}"`, binary, 'serve', '--http', '127.0.0.1:0',
    '--store', `sqlite:${join(dir, 'troupe.db')}`, '--workers', '2', ...extra],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('troupe serve printed no URL')), waitMs);
    lines.on('line', (line) => {
      const found = line.match(/listening on (http:\/\/\S+)/);
      if (found) { clearTimeout(timer); resolve(found[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`troupe serve exited with ${code}: ${readFileSync(log, 'utf8')}`)));
  });
  const token = extra.includes('--token') ? extra[extra.indexOf('--token') + 1] : '';
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const call = async (method, path, body) => {
    const res = await fetch(url + path, { method, headers, body: body && JSON.stringify(body) });
    const json = await res.json();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    log,
    submit: (job) => call('POST', '/v1/jobs', job).then((j) => j.id),
    job: (id, waitForEnd = false) => call('GET', `/v1/jobs/${id}${waitForEnd ? '?wait_ms=20000' : ''}`),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.on('exit', resolve));
      process.kill(proc.pid, 'SIGTERM');
      await exited;
    },
  };
}

let browser;
let server;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  server = await startServer('main');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh page (its own session storage) at `viewport`, failing on any page error. */
async function openPage(viewport = laptop) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.errors = errors;
  return page;
}

/** Closes a page; it must have logged no error but those `expected` match. */
async function closePage(page, expected = []) {
  assert.deepEqual(page.errors.filter((e) => !expected.some((re) => re.test(e))), []);
  await page.context().close();
}

const statusOf = (page, selector) => page.locator(selector).getAttribute('data-status');

async function waitForStatus(page, selector, status) {
  await page.waitForSelector(`${selector} [data-status="${status}"]`, { timeout: waitMs });
}

test('the overview shows the counts by status and the last minutes of throughput, from before it opened', async () => {
  // The jobs finish before the page opens: the server keeps the last minutes.
  for (let round = 0; round < 3; round++) {
    const ids = await Promise.all([1, 2, 3].map((n) => server.submit({ type: 'sleep', payload: { ms: 100 * n } })));
    for (const id of ids) assert.equal((await server.job(id, true)).status, 'success');
  }
  const page = await openPage();
  await page.goto(server.url + '/');
  await page.waitForSelector('[data-card="success"]', { timeout: waitMs });
  assert.ok(Number(await page.locator('[data-card="success"] .value').textContent()) >= 9);
  // The five-second bucket the jobs finished in is drawn once it is complete.
  const peakOf = (chart) => `[data-chart="${chart}"] .sub`;
  await page.waitForFunction((selector) => /^peak [1-9]/.test(document.querySelector(selector)?.textContent ?? ''),
    peakOf('Mean run time'), { timeout: waitMs });
  // A flat line has no height, which Playwright calls hidden: wait for it to be there.
  for (const chart of ['Finished per second', 'Mean run time'])
    await page.waitForSelector(`[data-chart="${chart}"] polyline`, { state: 'attached', timeout: waitMs });
  const throughputPeak = (await page.locator(peakOf('Finished per second')).textContent()).match(/^peak ([\d.]+) \/s$/);
  assert.ok(throughputPeak && Number(throughputPeak[1]) > 0, 'a bucket with finished jobs');
  // Each job slept at least 100 ms, so every bucket's mean run time is at least that.
  const runTimePeak = (await page.locator(peakOf('Mean run time')).textContent()).match(/^peak (\d+) ms$/);
  assert.ok(runTimePeak && Number(runTimePeak[1]) >= 100, `mean run time ${runTimePeak}`);
  assert.match(await page.locator('[data-chart="Mean run time"] .label').textContent(), /last 5 minutes$/);
  assert.match(await page.locator('[data-card="store"] .sub').textContent(), /^sqlite:/);
  assert.equal(await page.locator('[data-card="server"] .value').textContent(), 'single');
  await page.screenshot({ path: join(screenshots, 'overview.png'), fullPage: true });
  // Live: the charts move on to the next bucket by themselves.
  const until = Number(await page.locator('[data-chart="Finished per second"]').getAttribute('data-until'));
  await page.waitForFunction((t) => Number(document.querySelector('[data-chart="Finished per second"]').dataset.until) > t,
    until, { timeout: waitMs });
  await closePage(page);
});

test('jobs submitted through the API appear in the list and finish there', async () => {
  const page = await openPage();
  await page.goto(server.url + '/#/jobs');
  await page.waitForSelector('#job-list', { timeout: waitMs });
  const id = await server.submit({ type: 'sleep', payload: { ms: 4000 } });
  const row = `tr[data-job="${id}"]`;
  await page.waitForSelector(row, { timeout: waitMs });
  assert.ok(['pending', 'running'].includes(await statusOf(page, `${row} .status`)));
  await waitForStatus(page, row, 'success');
  await page.screenshot({ path: join(screenshots, 'jobs.png'), fullPage: true });
  // Filtering by status is a new list: the job is in the successes only.
  await page.selectOption('select[name="status"]', 'failed');
  await page.waitForSelector('#job-list[data-query="limit=25&status=failed"] .table-wrap', { timeout: waitMs });
  assert.equal(await page.locator(row).count(), 0);
  await page.selectOption('select[name="status"]', 'success');
  await page.waitForSelector(`#job-list[data-query="limit=25&status=success"] ${row}`, { timeout: waitMs });
  // A job id that names nothing gets a page that says so.
  await page.goto(`${server.url}/#/jobs/no-such-job`);
  await page.waitForSelector('#not-found', { timeout: waitMs });
  assert.match(await page.locator('#not-found').textContent(), /no job with id no-such-job/);
  await closePage(page, [/status of 404/]);
});

test('the job list pages back through older jobs', async () => {
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push(await server.submit({ type: 'echo', payload: { page: i } }));
  const page = await openPage();
  await page.goto(server.url + '/#/jobs?type=echo');
  await page.waitForSelector(`tr[data-job="${ids[29]}"]`, { timeout: waitMs });
  assert.equal(await page.locator('#job-list tbody tr').count(), 25);
  await page.click('text=Older →');
  await page.waitForSelector(`tr[data-job="${ids[4]}"]`, { timeout: waitMs });
  assert.equal(await page.locator(`tr[data-job="${ids[29]}"]`).count(), 0);
  await page.click('text=← Newer');
  await page.waitForSelector(`tr[data-job="${ids[29]}"]`, { timeout: waitMs });
  await closePage(page);
});

test('a page whose data did not change asks only for the counters', async () => {
  const page = await openPage();
  await page.goto(server.url + '/#/jobs');
  await page.waitForSelector('#job-list .table-wrap', { timeout: waitMs });
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/v1/')) asked.push(new URL(r.url()).pathname); });
  for (let tick = 0; tick < 3; tick++)
    await page.waitForResponse((r) => r.url().endsWith('/v1/stats'), { timeout: waitMs });
  assert.ok(asked.every((path) => path === '/v1/stats'), asked.join(' '));
  // A change in the counters brings the list.
  const id = await server.submit({ type: 'echo', payload: { changed: true } });
  await page.waitForSelector(`tr[data-job="${id}"]`, { timeout: waitMs });
  assert.ok(asked.includes('/v1/jobs'));
  await closePage(page);
});

test('a running job shows live progress and is cancelled with its button', async () => {
  const id = await server.submit({ type: 'progress', payload: { steps: 200, step_ms: 250 }, group: 'tenant-3' });
  const page = await openPage();
  await page.goto(`${server.url}/#/jobs/${id}`);
  await waitForStatus(page, '#job-status', 'running');
  assert.equal(await page.textContent('#job-group'), 'tenant-3');
  await page.waitForFunction(() => /step [2-9]\d* of 200/.test(document.querySelector('#progress-message')?.textContent),
    null, { timeout: waitMs });
  await page.screenshot({ path: join(screenshots, 'job.png'), fullPage: true });
  await page.click('button:has-text("Cancel")');
  await waitForStatus(page, '#job-status', 'cancelled');
  assert.equal((await server.job(id)).status, 'cancelled');
  assert.ok(await page.locator('button:has-text("Cancel")').isDisabled());
  await closePage(page);
});

test('a failed job is retried with its button and runs again', async () => {
  const id = await server.submit({ type: 'fail', payload: { message: 'disk full' }, max_attempts: 1 });
  const first = await server.job(id, true);
  assert.equal(first.status, 'failed');
  const page = await openPage();
  await page.goto(`${server.url}/#/jobs/${id}`);
  await waitForStatus(page, '#job-status', 'failed');
  assert.equal(await page.locator('#job-error').textContent(), 'disk full');
  // Marks what is shown now, to tell it from what the page shows after.
  await page.evaluate(() => { document.querySelector('#job-status').dataset.before = 'retry'; });
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/v1/jobs/${id}/retry`)),
    page.click('button:has-text("Retry")'),
  ]);
  assert.equal(answer.status(), 202);
  const retried = await answer.json();
  assert.equal(retried.status, 'pending');
  assert.equal(retried.attempts, 0);
  // It runs again and, this handler being what it is, fails again: the page
  // follows it to the end.
  const second = await server.job(id, true);
  assert.equal(second.status, 'failed');
  assert.equal(second.attempts, 1);
  await page.waitForSelector('#job-status:not([data-before]) [data-status="failed"]', { timeout: waitMs });
  assert.equal(await page.locator('dd:has-text("1 of 1")').count(), 1);
  await closePage(page);
});

test('the workers page shows each worker and the job it runs', async () => {
  const id = await server.submit({ type: 'sleep', payload: { ms: 60000 } });
  const page = await openPage();
  await page.goto(server.url + '/#/workers');
  await page.waitForSelector(`tr[data-worker] a[href="#/jobs/${id}"]`, { timeout: waitMs });
  assert.equal(await page.locator('tr[data-worker]').count(), 2);
  assert.equal(await page.locator('tr[data-worker] [data-status="busy"]').count(), 1);
  await page.screenshot({ path: join(screenshots, 'workers.png'), fullPage: true });
  await fetch(`${server.url}/v1/jobs/${id}`, { method: 'DELETE' });
  await page.waitForFunction(() => document.querySelectorAll('tr[data-worker] [data-status="busy"]').length === 0,
    null, { timeout: waitMs });
  await closePage(page);
});

test('the groups page shows groups at their limit with their queues, and links to their jobs', async () => {
  const put = (group, limit) => fetch(`${server.url}/v1/limits/${encodeURIComponent(group)}`,
    { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(limit) });
  assert.equal((await put('tenant-1', { concurrency: 0 })).status, 200);
  assert.equal((await put('tenant-2', { rate: 50, per_ms: 1000, burst: 5, weight: 3 })).status, 200);
  const held = [await server.submit({ type: 'echo', payload: 1, group: 'tenant-1' }),
    await server.submit({ type: 'echo', payload: 2, group: 'tenant-1' })];
  const page = await openPage();
  await page.goto(server.url + '/#/groups');
  const row = 'tr[data-group="tenant-1"]';
  await page.waitForSelector(`${row} [data-status="at-limit"]`, { timeout: waitMs });
  // At their limit first, with the limit in words and the queue.
  assert.equal(await page.locator('tr[data-group]').first().getAttribute('data-group'), 'tenant-1');
  assert.deepEqual(await page.locator(`${row} td`).allInnerTexts(), ['tenant-1', 'paused', '0', '2', 'at-limit']);
  assert.match(await page.locator('tr[data-group="tenant-2"] td').nth(1).innerText(),
    /50 per 1000 ms, bursts of 5 · weight 3/);
  await page.screenshot({ path: join(screenshots, 'groups.png'), fullPage: true });
  await page.click(`${row} a`);
  await page.waitForSelector(`tr[data-job="${held[0]}"]`, { timeout: waitMs });
  assert.equal(await page.locator('tr[data-job]').count(), 2);
  assert.equal(await page.locator('h1').innerText(), 'Jobs of group tenant-1');
  for (const group of ['tenant-1', 'tenant-2']) {
    await fetch(`${server.url}/v1/limits/${group}`, { method: 'DELETE' });
  }
  for (const id of held) assert.equal((await server.job(id, true)).status, 'success');
  await closePage(page);
});

test('every page fits a phone-wide screen', async () => {
  const id = await server.submit({ type: 'echo', payload: { phone: true } });
  const page = await openPage(phone);
  for (const [hash, ready] of [['#/', '[data-card="success"]'], ['#/jobs', '#job-list table'],
    [`#/jobs/${id}`, '#job-status'], ['#/workers', 'tr[data-worker]'], ['#/groups', 'h1']]) {
    await page.goto(server.url + '/' + hash);
    await page.waitForSelector(ready, { timeout: waitMs });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${hash} is ${overflow} px wider than the screen`);
  }
  await page.goto(server.url + '/#/');
  await page.waitForSelector('[data-card="success"]', { timeout: waitMs });
  await page.screenshot({ path: join(screenshots, 'phone.png'), fullPage: true });
  await closePage(page);
});

test('with --token the page asks for it once and never puts it in a URL', async () => {
  const secret = 'dashboard-s3cret-token';
  const guarded = await startServer('guarded', ['--token', secret]);
  try {
    const id = await guarded.submit({ type: 'echo', payload: { guarded: true } });
    const page = await openPage();
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(guarded.url + '/');
    await page.waitForSelector('#sign-in:not([hidden])', { timeout: waitMs });
    await page.fill('#token', 'wrong');
    await page.click('#sign-in button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.includes('refused'),
      null, { timeout: waitMs });
    await page.fill('#token', secret);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector('[data-card="success"]', { timeout: waitMs });
    assert.ok(await page.locator('#sign-in').isHidden());
    // The tab keeps it: a reload or another page asks no more.
    await page.goto(`${guarded.url}/#/jobs/${id}`);
    await page.reload();
    await waitForStatus(page, '#job-status', 'success');
    assert.ok(await page.locator('#sign-in').isHidden());
    assert.equal(await page.evaluate(() => sessionStorage.getItem('troupe.token')), secret);
    assert.ok(urls.length > 0);
    for (const url of urls) assert.ok(!url.includes(secret), url);
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])', { timeout: waitMs });
    await closePage(page, [/status of 401/]);
    await guarded.stop();
    assert.ok(!readFileSync(guarded.log, 'utf8').includes(secret));
  } finally {
    await guarded.stop();
  }
});
