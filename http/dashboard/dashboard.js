// troupe's dashboard: one page that shows the engine through its public /v1 API.
//
// Live without hammering the server: once a second the page asks for
// /v1/stats alone (one small object of counters). The page it shows asks for
// more only when those counters say something changed: the job list when a
// job was submitted or changed state, the workers when a worker or node did.
// A job's own page follows that one job while it is unfinished. The charts
// are drawn from the same object: the server keeps the last five minutes in
// five-second buckets, so a page opened now shows them at once.
//
// With `--token`, the first answer 401 opens a prompt; the token is kept in
// sessionStorage (this tab, until it closes) and only ever sent as an
// Authorization header, never in a URL.
'use strict';

(() => {
  const tokenKey = 'troupe.token';
  const pageSize = 25;
  const tickMs = 1000;
  const statuses = ['pending', 'running', 'success', 'failed', 'cancelled'];

  const view = document.getElementById('view');
  const connection = document.getElementById('connection');
  const signIn = document.getElementById('sign-in');
  const signOut = document.getElementById('sign-out');

  // -- building the page (text goes in as text, never as markup) --

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function svg(tag, attrs) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    return el;
  }

  const badge = (state) => h('span', { class: `status ${state}`, 'data-status': state }, state);
  const jobLink = (id) => h('a', { href: `#/jobs/${encodeURIComponent(id)}`, class: 'id' }, id);

  function card(label, value, sub, href) {
    return h(href ? 'a' : 'div', { class: 'card', href, 'data-card': label },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
      sub ? h('div', { class: 'sub' }, sub) : null);
  }

  function when(text) {
    if (!text) return '—';
    const t = new Date(text);
    const ago = Math.round((Date.now() - t.getTime()) / 1000);
    const relative = ago < 60 ? `${Math.max(ago, 0)} s ago`
      : ago < 3600 ? `${Math.round(ago / 60)} min ago` : t.toLocaleDateString();
    return h('time', { datetime: text, title: t.toLocaleString() }, relative);
  }

  function pretty(value) {
    return h('pre', {}, JSON.stringify(value, null, 2));
  }

  // -- the API --

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, { method, headers, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'unreachable', 'the server cannot be reached');
    }
    const body = await res.json().catch(() => null);
    if (res.status === 401) {
      askForToken(token ? 'The server refused that token.' : '');
      throw new ApiError(401, 'unauthorized', 'a valid token is required');
    }
    if (!res.ok) {
      const err = (body && body.error) || {};
      throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText);
    }
    return body;
  }

  // -- the token --

  function askForToken(message) {
    sessionStorage.removeItem(tokenKey);
    document.getElementById('sign-in-error').textContent = message;
    signIn.hidden = false;
    signOut.hidden = true;
    document.getElementById('token').focus();
  }

  document.getElementById('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('token');
    sessionStorage.setItem(tokenKey, input.value);
    input.value = '';
    signIn.hidden = true;
    signOut.hidden = false;
    show();
  });

  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(tokenKey);
    signOut.hidden = true;
    show();
  });
  signOut.hidden = !sessionStorage.getItem(tokenKey);

  // -- live counters --

  let stats = null;

  /// The charts' values, one per bucket of the server's last five minutes,
  /// oldest first: finished jobs per second, and the mean run time (ms) of
  /// the jobs that ran in it (null: none did).
  function activity(recent) {
    return {
      throughput: recent.finished.map((finished) => finished / recent.bucket_seconds),
      latency: recent.timed.map((timed, i) => (timed > 0 ? (recent.run_seconds[i] / timed) * 1000 : null)),
    };
  }

  /// A chart of `points` (one per bucket of `recent`, the newest at the right edge).
  function chart(title, recent, points, unit) {
    const width = 300;
    const height = 100;
    const minutes = (points.length * recent.bucket_seconds) / 60;
    const period = `last ${Math.round(minutes)} minutes`;
    const values = points.filter((v) => v !== null);
    const max = Math.max(...values, 0);
    const top = max > 0 ? max * 1.1 : 1;
    const plot = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
      'aria-label': `${title}, ${period}`,
    });
    plot.append(svg('line', { class: 'axis', x1: 0, y1: height - 1, x2: width, y2: height - 1 }));
    // A gap where there is no value (no job ran), not a fall to zero.
    // A lone value is drawn as a dash across its bucket.
    const step = width / points.length;
    let run = [];
    const flush = () => {
      if (run.length === 1) run = [[run[0][0] - step, run[0][1]], run[0]];
      if (run.length > 0) plot.append(svg('polyline', { points: run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
      run = [];
    };
    points.forEach((v, i) => {
      if (v === null) flush();
      else run.push([(i + 1) * step, height - 2 - (v / top) * (height - 4)]);
    });
    flush();
    const last = values.length > 0 ? values[values.length - 1] : null;
    return h('div', { class: 'card chart', 'data-chart': title, 'data-until': recent.until_ms },
      h('div', { class: 'label' }, `${title} · ${period}`),
      h('div', { class: 'value' }, last === null ? '—' : `${last.toFixed(last < 10 ? 1 : 0)} ${unit}`),
      h('div', { class: 'sub' }, `peak ${max.toFixed(max < 10 ? 1 : 0)} ${unit}`),
      plot);
  }

  // -- pages --

  // Single: the store is this server's own. Active: it runs the jobs of a
  // shared database, in its term `epoch`, maybe since a failover.
  function leadership(leader) {
    if (leader.role === 'single') return 'its store is its own';
    if (leader.last_failover_ms === null) return `epoch ${leader.epoch} · no failover yet`;
    return h('span', {}, `epoch ${leader.epoch} · took over `,
      when(new Date(leader.last_failover_ms).toISOString()));
  }

  function overview(s) {
    const jobs = s.jobs;
    const workersBusy = `${s.workers.busy} of ${s.workers.total} busy`;
    const series = activity(s.recent);
    return [
      h('h1', {}, 'Overview'),
      h('div', { class: 'cards' },
        statuses.map((state) => card(state, jobs[state], null, `#/jobs?status=${state}`)),
        card('queue', s.queue.depth, `${s.queue.delayed} delayed · capacity ${s.queue.capacity}`),
        card('workers', s.workers.total, `${workersBusy} · ${s.workers.restarts} restarts`, '#/workers'),
        card('nodes', s.nodes.connected, `${s.nodes.losses} lost · ${s.nodes.leaves} left`, '#/workers'),
        card('groups', s.groups.at_limit, `at their limit · ${s.groups.limits} limits`, '#/groups'),
        card('server', s.leader.role, leadership(s.leader)),
        card('store', s.store.healthy ? 'healthy' : 'failing',
          s.store.healthy ? s.store.name : s.store.error),
        card('engine', s.healthy ? (s.accepting ? 'healthy' : 'draining') : 'unhealthy',
          `${s.submitted_total} submitted`)),
      h('div', { class: 'charts' },
        chart('Finished per second', s.recent, series.throughput, '/s'),
        chart('Mean run time', s.recent, series.latency, 'ms')),
    ];
  }

  // The job list pages with the API's `before` cursor; `cursors` holds the
  // cursor of each page shown before the current one.
  let cursors = [];
  let listSignature = '';

  function jobsPage(route) {
    const typeSelect = h('select', { name: 'type' },
      h('option', { value: '' }, 'all types'),
      route.type ? h('option', { value: route.type }, route.type) : null);
    typeSelect.value = route.type;
    const statusSelect = h('select', { name: 'status' },
      h('option', { value: '' }, 'all'),
      statuses.map((s) => h('option', { value: s }, s)));
    statusSelect.value = route.status;
    const filter = () => {
      const q = new URLSearchParams();
      if (statusSelect.value) q.set('status', statusSelect.value);
      if (typeSelect.value) q.set('type', typeSelect.value);
      if (route.group) q.set('group', route.group);
      location.hash = `#/jobs${q.toString() ? `?${q}` : ''}`;
    };
    statusSelect.addEventListener('change', filter);
    typeSelect.addEventListener('change', filter);
    return [
      h('h1', {}, route.group ? `Jobs of group ${route.group}` : 'Jobs'),
      h('div', { class: 'filters' },
        h('label', {}, 'Status', statusSelect),
        h('label', {}, 'Type', typeSelect)),
      h('div', { id: 'job-list' }),
    ];
  }

  /// Types appear in the filter as the engine learns them.
  function addTypeOptions() {
    const select = document.querySelector('select[name=type]');
    const known = new Set([...select.options].map((o) => o.value));
    for (const type of Object.keys((stats && stats.types) || {})) {
      if (!known.has(type)) select.append(h('option', { value: type }, type));
    }
  }

  async function loadJobs(route) {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (route.status) q.set('status', route.status);
    if (route.type) q.set('type', route.type);
    if (route.group) q.set('group', route.group);
    const before = cursors.length > 0 ? cursors[cursors.length - 1] : '';
    if (before) q.set('before', before);
    const asked = generation;
    const { jobs } = await api('GET', `/v1/jobs?${q}`);
    if (asked !== generation) return;
    addTypeOptions();
    const table = jobs.length === 0
      ? h('div', { class: 'empty' }, 'No jobs here.')
      : h('table', {},
        h('thead', {}, h('tr', {},
          h('th', {}, 'Job'), h('th', {}, 'Type'), h('th', {}, 'Status'),
          h('th', { class: 'hide-narrow' }, 'Attempts'), h('th', { class: 'hide-narrow' }, 'Created'))),
        h('tbody', {}, jobs.map((job) => h('tr', { 'data-job': job.id },
          h('td', {}, jobLink(job.id)),
          h('td', {}, job.type),
          h('td', {}, badge(job.status)),
          h('td', { class: 'hide-narrow' }, `${job.attempts}/${job.max_attempts}`),
          h('td', { class: 'hide-narrow' }, when(job.created_at))))));
    const older = jobs.length === pageSize ? jobs[jobs.length - 1].id : '';
    const list = document.getElementById('job-list');
    list.dataset.query = q.toString();
    list.replaceChildren(
      h('div', { class: 'table-wrap' }, table),
      h('div', { class: 'pager' },
        h('button', {
          type: 'button', disabled: cursors.length === 0,
          onclick: () => { cursors.pop(); refreshJobs(route); },
        }, '← Newer'),
        h('button', {
          type: 'button', disabled: !older,
          onclick: () => { cursors.push(older); refreshJobs(route); },
        }, 'Older →')));
  }

  function refreshJobs(route) {
    listSignature = '';
    loadJobs(route).catch(report);
  }

  let followed = null;

  function jobView(job) {
    const open = job.status === 'pending' || job.status === 'running';
    const retryable = job.status === 'failed' || job.status === 'cancelled';
    const message = h('p', { class: 'error', role: 'alert', id: 'action-error' });
    const act = async (method, path) => {
      message.textContent = '';
      try {
        const changed = await api(method, path);
        followed = changed;
        draw(jobView(changed));
      } catch (e) {
        message.textContent = e.message;
      }
    };
    const path = `/v1/jobs/${encodeURIComponent(job.id)}`;
    let progress = null;
    if (job.progress !== null) {
      const percent = Math.round(job.progress * 100);
      const bar = h('div', {});
      bar.style.width = `${percent}%`; // a property: the page's CSP allows no style attributes
      progress = h('div', {},
        h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': percent }, bar),
        h('div', { class: 'muted', id: 'progress-message' }, `${percent}% ${job.progress_message || ''}`));
    }
    return [
      h('h1', {}, 'Job ', h('span', { class: 'id' }, job.id)),
      h('dl', { class: 'fields' },
        h('dt', {}, 'Status'), h('dd', { id: 'job-status' }, badge(job.status),
          job.cancel_requested && open ? ' cancel requested' : ''),
        h('dt', {}, 'Type'), h('dd', {}, job.type),
        h('dt', {}, 'Attempts'), h('dd', {}, `${job.attempts} of ${job.max_attempts}`),
        h('dt', {}, 'Priority'), h('dd', {}, job.priority),
        h('dt', {}, 'Worker'), h('dd', {}, job.worker || '—'),
        h('dt', {}, 'Group'), h('dd', { id: 'job-group' }, job.group || '—'),
        h('dt', {}, 'Created'), h('dd', {}, when(job.created_at)),
        h('dt', {}, 'Started'), h('dd', {}, when(job.started_at)),
        h('dt', {}, 'Finished'), h('dd', {}, when(job.finished_at)),
        progress ? [h('dt', {}, 'Progress'), h('dd', {}, progress)] : null),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'danger', disabled: !open || job.cancel_requested,
          onclick: () => act('DELETE', path),
        }, 'Cancel'),
        h('button', {
          type: 'button', class: 'primary', disabled: !retryable,
          onclick: () => act('POST', `${path}/retry`),
        }, 'Retry')),
      message,
      h('h2', {}, 'Payload'), pretty(job.payload),
      job.status === 'success' ? [h('h2', {}, 'Result'), pretty(job.result)] : null,
      job.error ? [h('h2', {}, 'Error'), h('pre', { class: 'error', id: 'job-error' }, job.error)] : null,
    ];
  }

  async function loadJob(route) {
    const asked = generation;
    let job;
    try {
      job = await api('GET', `/v1/jobs/${encodeURIComponent(route.id)}`);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404 || asked !== generation) throw e;
      followed = { status: 'unknown' };
      draw([h('h1', {}, 'No such job'),
        h('p', { class: 'muted', id: 'not-found' }, `${e.message}: it never existed, or its result expired.`)]);
      return;
    }
    if (asked !== generation) return;
    followed = job;
    draw(jobView(job));
  }

  function workerRows(group) {
    return group.list.map((w) => h('tr', { 'data-worker': w.name },
      h('td', {}, w.name),
      h('td', {}, badge(w.state)),
      h('td', {}, w.job ? jobLink(w.job) : '—'),
      h('td', {}, w.jobs_held),
      h('td', {}, w.restarts)));
  }

  function workerTable(group) {
    if (group.list.length === 0) return h('div', { class: 'empty' }, 'No workers.');
    return h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Worker', 'State', 'Job', 'Held', 'Restarts'].map((t) => h('th', {}, t)))),
      h('tbody', {}, workerRows(group))));
  }

  async function loadWorkers() {
    const asked = generation;
    const w = await api('GET', '/v1/workers');
    if (asked !== generation) return;
    const nodes = w.nodes.map((node) => [
      h('h2', {}, `Node ${node.name} `, badge(node.state)),
      h('p', { class: 'muted' },
        `${node.address} · joined `, when(node.connected_since),
        ` · ${node.busy} of ${node.workers} busy · types: ${node.types.join(', ')}`),
      workerTable(node),
    ]);
    draw([
      h('h1', {}, 'Workers'),
      h('h2', {}, 'This server'),
      h('p', { class: 'muted' },
        `${w.local.busy} of ${w.local.workers} busy · types: ${w.local.types.join(', ') || 'none'}`),
      workerTable(w.local),
      nodes.length > 0 ? nodes : h('p', { class: 'muted' }, 'No worker nodes have joined.'),
    ]);
  }

  /// A limit in words: "2 at once · 50 per 1000 ms, bursts of 5 · weight 3".
  function limitText(limit) {
    const parts = [];
    if (limit.concurrency !== null) parts.push(limit.concurrency === 0 ? 'paused' : `${limit.concurrency} at once`);
    if (limit.rate !== null) parts.push(`${limit.rate} per ${limit.per_ms} ms, bursts of ${limit.burst}`);
    if (limit.weight !== 1) parts.push(`weight ${limit.weight}`);
    return parts.join(' · ') || 'no limit';
  }

  /// Groups with limits, those at their limit first, each with its queue.
  async function loadGroups() {
    const asked = generation;
    const { limits } = await api('GET', `/v1/limits?limit=${pageSize}`);
    if (asked !== generation) return;
    limits.sort((a, b) => Number(b.throttled) - Number(a.throttled) || b.ready - a.ready);
    const groupLink = (group) => group === '*'
      ? h('span', { class: 'id' }, '* (default)')
      : h('a', { href: `#/jobs?group=${encodeURIComponent(group)}`, class: 'id' }, group);
    draw([
      h('h1', {}, 'Groups'),
      h('p', { class: 'muted' },
        `${stats.groups.at_limit} at their limit · ${stats.groups.throttled_total} dispatches held back so far`),
      limits.length === 0
        ? h('div', { class: 'empty' }, 'No group has a limit.')
        : h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, ['Group', 'Limit', 'Running', 'Ready', 'State'].map((t) => h('th', {}, t)))),
          h('tbody', {}, limits.map((g) => h('tr', { 'data-group': g.group },
            h('td', {}, groupLink(g.group)),
            h('td', {}, limitText(g.limit)),
            h('td', {}, g.running),
            h('td', {}, g.ready),
            h('td', {}, badge(g.throttled ? 'at-limit' : 'open'))))))),
    ]);
  }

  // -- routing and the tick --

  function parseRoute() {
    const [path, query] = (location.hash.replace(/^#/, '') || '/').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'jobs' && parts[1]) return { page: 'job', id: decodeURIComponent(parts[1]) };
    if (parts[0] === 'jobs') {
      return {
        page: 'jobs', status: params.get('status') || '', type: params.get('type') || '', group: params.get('group') || '',
      };
    }
    if (parts[0] === 'workers') return { page: 'workers' };
    if (parts[0] === 'groups') return { page: 'groups' };
    return { page: 'overview' };
  }

  let route = parseRoute();
  // Counts route changes, so that an answer for a page left meanwhile is dropped.
  let generation = 0;

  function draw(nodes) {
    view.replaceChildren(...[nodes].flat(Infinity).filter(Boolean));
  }

  function report(e) {
    if (e instanceof ApiError && e.status === 401) return;
    connection.textContent = `⚠ ${e.message}`;
    connection.classList.add('down');
  }

  /// What, in the counters, tells that the current page may have changed.
  function signatureFor(r, s) {
    if (r.page === 'jobs') return JSON.stringify([s.jobs, s.submitted_total]);
    if (r.page === 'workers') return JSON.stringify([s.workers, s.nodes, s.jobs.running]);
    if (r.page === 'groups') return JSON.stringify([s.groups, s.jobs, s.queue]);
    return '';
  }

  let busy = false;

  async function tick() {
    if (busy || !signIn.hidden) return;
    busy = true;
    try {
      stats = await api('GET', '/v1/stats');
      connection.textContent = `● live · ${stats.store.name}`;
      connection.classList.remove('down');
      const signature = signatureFor(route, stats);
      if (route.page === 'overview') {
        draw(overview(stats));
      } else if (route.page === 'job') {
        if (!followed || followed.status === 'pending' || followed.status === 'running') await loadJob(route);
      } else if (signature !== listSignature) {
        listSignature = signature;
        if (route.page === 'jobs') await loadJobs(route);
        else if (route.page === 'groups') await loadGroups();
        else await loadWorkers();
      }
    } catch (e) {
      report(e);
    } finally {
      busy = false;
    }
  }

  function show() {
    generation++;
    route = parseRoute();
    cursors = [];
    listSignature = '';
    followed = null;
    for (const link of document.querySelectorAll('nav a')) {
      const page = route.page === 'job' ? 'jobs' : route.page;
      link.classList.toggle('current', link.dataset.page === page);
    }
    if (route.page === 'jobs') draw(jobsPage(route));
    else draw(h('p', { class: 'muted' }, 'Loading…'));
    tick();
  }

  window.addEventListener('hashchange', show);
  setInterval(() => { if (!document.hidden) tick(); }, tickMs);
  show();
})();
