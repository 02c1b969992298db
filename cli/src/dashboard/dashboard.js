// golo's live dashboard: draws the run's server-sent events (/events) as
// they come, one point a second, with Chart.js (inlined above), in the HTML
// report's colours and style. Names from the run reach the page only as
// canvas text or textContent, never as markup. window.goloDashboard lets a
// test see what arrived and when.
(function () {
  'use strict';
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd',
                  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  const state = { seconds: 0, updates: [], ended: false, report: null, planned: 0,
                  thresholds: {} };
  window.goloDashboard = state;

  const charts = {};
  function make(id, yTitle) {
    charts[id] = new Chart(document.getElementById(id), {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: { legend: { display: true } },
        scales: {
          x: { type: 'linear', min: 0, ticks: { precision: 0 },
               title: { display: true, text: 'seconds since the start' } },
          y: { beginAtZero: true, title: { display: true, text: yTitle } }
        }
      }
    });
  }
  make('chart-iterations', 'iterations/s');
  make('chart-errors', 'errors/s');
  make('chart-users', 'users');
  make('chart-latency', 'latency (ms)');
  make('chart-sets-latency', 'latency (ms)');
  make('chart-steps-rate', 'calls/s');
  make('chart-steps', 'latency (ms)');

  // The series called `label` on chart `id`, made on first use.
  function series(id, label) {
    const c = charts[id];
    let ds = c.data.datasets.find(function (d) { return d.label === label; });
    if (!ds) {
      const color = colors[c.data.datasets.length % colors.length];
      ds = { label: label, data: [], borderColor: color, backgroundColor: color,
             borderWidth: 1.5, pointRadius: 0, pointHitRadius: 6 };
      c.data.datasets.push(ds);
    }
    return ds;
  }
  function add(id, label, x, y) { series(id, label).data.push({ x: x, y: y }); }
  const ms = function (us) { return us / 1000; };
  // Steps drawn: the first 8 names seen, not an HTTP request's phases
  // ("NAME (wait)"), which the report tables per request instead.
  const phase = / \((connect|tls|wait|receive)\)$/;
  const stepsShown = [];
  function shown(name) {
    if (stepsShown.includes(name)) return true;
    if (phase.test(name) || stepsShown.length >= 8) return false;
    stepsShown.push(name);
    return true;
  }

  function cell(row, text, cls) {
    const td = row.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }
  function thresholds(list) {
    const table = document.getElementById('thresholds');
    (list || []).forEach(function (t) {
      let row = state.thresholds[t.threshold];
      if (!row) {
        row = table.insertRow();
        cell(row, t.threshold, 'tag');
        cell(row, '', 'text');
        cell(row, '', 'text');
        state.thresholds[t.threshold] = row;
      }
      if (t.crossed === undefined) return;
      const verdict = document.createElement('span');
      verdict.className = t.crossed ? 'bad' : 'ok';
      verdict.textContent = t.crossed ? 'crossed' : 'holds';
      row.cells[1].replaceChildren(verdict);
      row.cells[2].textContent = t.message;
      row.className = t.crossed ? 'crossed' : 'holds';
    });
  }
  function checks(list) {
    const table = document.getElementById('checks');
    state.checks = state.checks || {};
    list.forEach(function (c) {
      let k = state.checks[c.name];
      if (!k) {
        const row = table.insertRow();
        k = state.checks[c.name] = { passes: 0, fails: 0, row: row };
        cell(row, c.name, 'tag'); cell(row, ''); cell(row, ''); cell(row, '');
      }
      k.passes += c.passes;
      k.fails += c.fails;
      const all = k.passes + k.fails;
      k.row.cells[1].textContent = k.passes;
      k.row.cells[2].textContent = k.fails;
      k.row.cells[3].textContent = all ? (100 * k.passes / all).toFixed(2) : '0.00';
    });
  }

  // The thresholds with a chart of their metric, as dashed lines across it
  // (hidden while far above everything drawn: they would flatten it).
  function thresholdLines(x, crossed) {
    (state.lines || []).forEach(function (l) {
      const id = l.chart;
      if (!charts[id]) return;
      const y = id === 'chart-latency' ? ms(l.value) : l.value;
      const ds = series(id, l.label);
      let top = 0;
      charts[id].data.datasets.forEach(function (d) {
        if (d !== ds && !d.borderDash) d.data.forEach(function (p) { top = Math.max(top, p.y); });
      });
      ds.borderDash = [6, 4];
      ds.borderColor = ds.backgroundColor = crossed.includes(l.label) ? '#b3261e' : '#1e6b34';
      ds.data = [{ x: 1, y: y }, { x: x, y: y }];
      ds.hidden = top > 0 && y > 3 * top;
    });
  }

  function onSecond(d) {
    const x = d.second;
    add('chart-iterations', 'all', x, d.iterations);
    add('chart-errors', 'all', x, d.errors);
    d.sets.forEach(function (s) {
      add('chart-iterations', s.name, x, s.iterations);
      add('chart-errors', s.name, x, s.errors);
      add('chart-sets-latency', s.name, x, ms(s.p95));
    });
    add('chart-users', 'active users', x, d.active_users);
    add('chart-latency', 'p50', x, ms(d.latency.p50));
    add('chart-latency', 'p95', x, ms(d.latency.p95));
    add('chart-latency', 'p99', x, ms(d.latency.p99));
    d.steps.forEach(function (s) {
      if (!shown(s.name)) return;
      add('chart-steps-rate', s.name, x, s.count);
      add('chart-steps', s.name, x, ms(s.p95));
    });
    checks(d.checks);
    thresholds(d.thresholds);
    thresholdLines(x, d.thresholds.filter(function (t) { return t.crossed; })
                                  .map(function (t) { return t.threshold; }));
    Object.keys(charts).forEach(function (k) { charts[k].update('none'); });
    state.seconds = x;
    state.updates.push({ second: x, at: Date.now(),
                         crossed: d.thresholds.filter(function (t) { return t.crossed; })
                                             .map(function (t) { return t.threshold; }) });
    document.getElementById('status').textContent =
        'running: ' + x + ' s' + (state.planned ? ' of ' + state.planned + ' s' : '');
  }

  const events = new EventSource('/events');
  events.addEventListener('start', function (e) {
    const d = JSON.parse(e.data);
    state.planned = Math.round(d.planned_s);
    state.lines = d.lines || [];
    document.getElementById('no-thresholds').hidden = d.thresholds.length > 0;
    thresholds(d.thresholds.map(function (t) { return { threshold: t }; }));
    document.getElementById('status').textContent = 'running';
  });
  events.addEventListener('second', function (e) { onSecond(JSON.parse(e.data)); });
  events.addEventListener('end', function (e) {
    const d = JSON.parse(e.data);
    // The server may go away now: a closed stream must not reconnect.
    events.close();
    if (d.thresholds) thresholds(d.thresholds);
    state.ended = true;
    state.report = d.report;
    document.getElementById('status').textContent =
        'finished after ' + state.seconds + ' s' +
        (d.report ? '' : ' (nothing was measured: no report)');
    if (d.report) document.getElementById('report').hidden = false;
  });
})();
