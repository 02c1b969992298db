// Draws the report's charts from the JSON block #golo-data with Chart.js
// (inlined above). Names from the results reach the page only as canvas
// text or textContent, never as markup.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('golo-data').textContent);
  const charts = data.charts;
  const start = charts.start_unix_ms;
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd',
                  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.devicePixelRatio = Math.max(window.devicePixelRatio || 1, 2);

  // Seconds since the start, or the UTC clock when the run's start is known.
  function timeLabel(s) {
    if (start === null || start === undefined) return s + ' s';
    return new Date(start + s * 1000).toISOString().substring(11, 19);
  }
  function points(xs, ys) {
    return xs.map(function (x, i) { return { x: x, y: ys[i] }; });
  }
  function line(label, xs, ys, color) {
    return { label: label, data: points(xs, ys), borderColor: color,
             backgroundColor: color, borderWidth: 1.5, pointRadius: 0,
             pointHitRadius: 6, spanGaps: false };
  }
  const made = [];
  function draw(id, datasets, yTitle, xOptions) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    made.push(new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        parsing: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        plugins: { legend: { display: datasets.length > 1 } },
        scales: {
          x: Object.assign({ type: 'linear', ticks: { callback: timeLabel, precision: 0,
                             maxRotation: 0, autoSkipPadding: 12 },
                             title: { display: true,
                                      text: start == null ? 'time since the start'
                                                          : 'time (UTC)' } },
                           xOptions || {}),
          y: { beginAtZero: true, title: { display: true, text: yTitle } }
        }
      }
    }));
  }

  // One latency unit for every chart: the summary table's.
  const unit = charts.latency_unit || { name: 'µs', per_us: 1 };
  const scaled = function (ys) {
    return ys.map(function (y) { return y === null ? null : y * unit.per_us; });
  };
  // Each threshold with a chart of its metric: a dashed line across it,
  // unless it is far above everything drawn (it would flatten the lines).
  function withThresholds(id, datasets, xs) {
    let top = 0;
    datasets.forEach(function (d) {
      d.data.forEach(function (p) { if (p.y > top) top = p.y; });
    });
    (charts.threshold_lines || []).forEach(function (l) {
      if (l.chart !== id || xs.length === 0) return;
      const y = id === 'chart-iterations' ? l.value : l.value * unit.per_us;
      if (top > 0 && y > 3 * top) return;
      const ds = line(l.label, [xs[0], xs[xs.length - 1]], [y, y],
                      l.crossed ? '#b3261e' : '#1e6b34');
      ds.borderDash = [6, 4];
      datasets.push(ds);
    });
    return datasets;
  }
  const t = charts.total;
  draw('chart-iterations',
       withThresholds('chart-iterations',
                      [line('iterations/s', t.x, t.iterations, colors[0])], t.x),
       'iterations/s');
  draw('chart-errors', [line('errors/s', t.x, t.errors, colors[1])], 'errors/s');
  draw('chart-users', [line('active users', t.x, t.active_users, colors[2])],
       'users');
  function latency(id, s) {
    draw(id, withThresholds(id, [line('p50', s.x, scaled(s.p50), colors[0]),
                                 line('p95', s.x, scaled(s.p95), colors[3]),
                                 line('p99', s.x, scaled(s.p99), colors[1])], s.x),
         'latency (' + unit.name + ')');
  }
  latency('chart-latency', t);
  charts.tag_sets.forEach(function (s, i) { latency('chart-latency-' + i, s); });
  // Rate and errors per tag set (with scenarios:, per scenario): the busiest.
  function perSet(id, key, title) {
    draw(id, charts.tag_sets.map(function (s, i) {
      return line(s.name, s.x, s[key], colors[i % colors.length]);
    }), title);
  }
  perSet('chart-sets-iterations', 'iterations', 'iterations/s');
  perSet('chart-sets-errors', 'errors', 'errors/s');

  // Steps over time: the most called steps' calls per second and p95.
  function perStep(id, ys, title) {
    draw(id, (charts.steps || []).map(function (s, i) {
      return line(s.name, s.x, ys(s), colors[i % colors.length]);
    }), title);
  }
  perStep('chart-steps-rate', function (s) { return s.iterations; }, 'calls/s');
  perStep('chart-steps-p95', function (s) { return scaled(s.p95); },
          'p95 latency (' + unit.name + ')');

  // The percentile curve: x counts the nines (2 is p99).
  const nines = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%'];
  draw('chart-distribution', charts.distribution.map(function (d, i) {
    const ds = line(d.name === 'all' ? 'all' : d.name,
                    d.points.map(function (p) { return p[0]; }),
                    d.points.map(function (p) { return p[1] * unit.per_us; }),
                    colors[i % colors.length]);
    return ds;
  }), 'latency (' + unit.name + ')', {
    ticks: { stepSize: 1, callback: function (x) {
      return Number.isInteger(x) && x < nines.length ? nines[x] : ''; } },
    title: { display: true, text: 'percentile' }
  });

  // Printing lays the page out anew: redraw the charts at the new size.
  function resizeAll() { made.forEach(function (c) { c.resize(); }); }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
  window.goloCharts = made;
})();
