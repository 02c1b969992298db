// Watches `golo run --dashboard` live in Debian's chromium (headless,
// through playwright-core), as a user would: the browser is up first, then
// this script starts the run (with --dashboard-wait) and opens the page.
//   - points appear second by second during the run (updates arrive over
//     time, not all at once), one per second of the run on the charts;
//   - the threshold named by --crosses (a rate threshold) holds at first,
//     then is crossed, and its verdict is drawn red, as is its line on the
//     iterations chart;
//   - no console error, no page error, no request leaves the page's origin;
//   - with --steps-of SET, the steps charts draw each of --steps (a
//     comma-separated list) every second, its calls that second equal to
//     SET's iterations (a plugin that calls each step once an iteration);
//   - at the end the report downloads from the page (saved to --download);
//   - Ctrl-C then ends golo run, whose exit status is printed.
// Usage: node check_dashboard.mjs --golo BIN --schedule YAML --host ADDR
//        --port PORT --crosses THRESHOLD --download FILE --screenshot PNG
//        [--steps-of SET --steps A,B,...] [--arg ARG]...   (more arguments
//        for golo run)
// Prints "exit N" then "ok" and exits 0, or prints every failure, exit 1.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';

const args = { arg: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (Array.isArray(args[key])) args[key].push(process.argv[i + 1]);
  else args[key] = process.argv[i + 1];
}
for (const needed of ['golo', 'schedule', 'host', 'port', 'crosses', 'download', 'screenshot']) {
  if (!args[needed]) {
    console.error(`check_dashboard: --${needed} is required`);
    process.exit(2);
  }
}
const origin = `http://127.0.0.1:${args.port}`;
const failures = [];
const fail = (what) => failures.push(what);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({
  executablePath: process.env.GOLO_CHROMIUM || '/usr/bin/chromium',
  // Chromium's sandbox cannot start as root (containers): only then.
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
const golo = spawn(args.golo, ['run', args.schedule, '--host', args.host, '--quiet',
                               '--dashboard', `127.0.0.1:${args.port}`, '--dashboard-wait',
                               ...args.arg], { stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
golo.stdout.on('data', (d) => { output += d; });
golo.stderr.on('data', (d) => { output += d; });
const exited = new Promise((resolve) => golo.on('exit', (code, sig) => resolve(code ?? sig)));
try {
  // The dashboard listens before the load starts.
  let up = false;
  for (const deadline = Date.now() + 30000; !up && Date.now() < deadline;) {
    try { up = (await fetch(origin + '/')).ok; } catch { await sleep(50); }
  }
  if (!up) throw new Error(`the dashboard never answered at ${origin}/: ${output}`);

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 },
                                             acceptDownloads: true });
  const network = [];
  const page = await context.newPage();
  page.on('request', (r) => { if (!r.url().startsWith(origin + '/')) network.push(r.url()); });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + '/')) return route.continue();
    network.push(u);
    return route.abort('blockedbyclient');
  });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(origin + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => window.goloDashboard && window.goloDashboard.ended, null,
                             { timeout: 90000 });
  const state = await page.evaluate(() => {
    const d = window.goloDashboard;
    const chart = window.Chart.getChart(document.getElementById('chart-iterations'));
    const drawn = (id) => Object.fromEntries(window.Chart.getChart(document.getElementById(id))
      .data.datasets.map((s) => [s.label, s.data.map((p) => [p.x, p.y])]));
    return { seconds: d.seconds, updates: d.updates, report: d.report,
             sets: drawn('chart-iterations'), stepsRate: drawn('chart-steps-rate'),
             stepsP95: drawn('chart-steps'),
             points: chart.data.datasets.filter((s) => !s.borderDash)
               .map((s) => [s.label, s.data.length]),
             lines: chart.data.datasets.filter((s) => s.borderDash)
               .map((s) => [s.label, s.borderColor, s.data.length]) };
  });
  // Live: updates spread over the run, not one burst replayed at the end.
  let spaced = 1;
  for (let i = 1; i < state.updates.length; ++i)
    if (state.updates[i].at - state.updates[i - 1].at >= 400) ++spaced;
  if (spaced < 3) fail(`only ${spaced} updates arrived apart from each other: ${JSON.stringify(state.updates)}`);
  if (state.seconds < 5) fail(`the page saw ${state.seconds} s of the run`);
  for (const [label, n] of state.points)
    if (n !== state.seconds) fail(`iterations chart, ${label}: ${n} points for ${state.seconds} s`);
  if (state.points.length < 2) fail(`iterations chart: only ${state.points.map((p) => p[0])}`);
  // A rate threshold is a dashed line on the iterations chart, red once crossed.
  if (JSON.stringify(state.lines) !== JSON.stringify([[args.crosses, '#b3261e', 2]]))
    fail(`iterations chart's threshold lines: ${JSON.stringify(state.lines)}`);
  if (args['steps-of']) {
    const per = Object.fromEntries(state.sets[args['steps-of']] || []);
    if (!Object.keys(per).length) fail(`no iterations drawn for set "${args['steps-of']}"`);
    for (const name of args.steps.split(',')) {
      const calls = state.stepsRate[name] || [];
      if (calls.length !== Object.keys(per).length)
        fail(`steps chart, ${name}: ${calls.length} points for ${Object.keys(per).length} s of calls`);
      for (const [x, y] of calls)
        if (y !== per[x]) fail(`steps chart, ${name} at ${x} s: ${y} calls, ${per[x]} iterations`);
      if ((state.stepsP95[name] || []).length !== calls.length)
        fail(`steps p95 chart, ${name}: ${(state.stepsP95[name] || []).length} points`);
    }
  }
  const crossedAt = state.updates.findIndex((u) => u.crossed.includes(args.crosses));
  if (crossedAt < 0) fail(`"${args.crosses}" was never crossed live`);
  else if (crossedAt === 0) fail(`"${args.crosses}" was crossed from the first second: no turn seen`);
  const verdict = await page.evaluate((name) => {
    const row = Array.from(document.querySelectorAll('#thresholds tr'))
      .find((r) => r.cells[0].textContent === name);
    if (!row) return null;
    const span = row.cells[1].querySelector('span');
    return { text: span && span.textContent, color: span && getComputedStyle(span).color,
             row: row.className };
  }, args.crosses);
  if (!verdict) fail(`no row for "${args.crosses}"`);
  else if (verdict.text !== 'crossed' || verdict.color !== 'rgb(179, 38, 30)')
    fail(`"${args.crosses}" at the end: ${JSON.stringify(verdict)} (want crossed, red)`);
  await page.screenshot({ path: args.screenshot, fullPage: true });
  // The report, from the page's own link.
  if (!state.report) fail('the end event named no report');
  else {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report')]);
    await download.saveAs(args.download);
  }
  for (const e of errors) fail(`console: ${e}`);
  for (const n of network) fail(`network request: ${n}`);
  await context.close();
} catch (e) {
  fail(String(e));
} finally {
  await browser.close();
  golo.kill('SIGINT');
  let timer;
  const code = await Promise.race([
    exited, new Promise((r) => { timer = setTimeout(() => r('timeout'), 30000); })]);
  clearTimeout(timer);  // a pending timer would keep node running
  if (code === 'timeout') { golo.kill('SIGKILL'); fail('golo run did not end on Ctrl-C'); }
  console.log(`exit ${code}`);
}
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(output);
  process.exit(1);
}
console.log('ok');
