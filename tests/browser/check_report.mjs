// Opens a golo HTML report in Debian's chromium (headless, through
// playwright-core) and checks it as a reader would get it:
//   - no console error and no page error;
//   - no network request at all: every request that is not the file itself
//     (file:, data:) is recorded and aborted, and fails the check;
//   - every chart canvas is laid out with a non-zero size, has a Chart.js
//     chart with data, and has pixels drawn on it;
//   - the iterations chart has one point per second of the run (from the
//     results JSON given);
//   - nothing from the results ran as script (window.__golo_pwned unset);
//   - with JavaScript off, the summary table is there with a row per tag set.
//   - each chart named by --expect-chart is there (and drawn, as above).
// Usage: node check_report.mjs --html REPORT --results JSON --screenshot PNG
//        [--pdf PDF] [--expect-text TEXT]... [--expect-chart ID]...
// Prints "ok" and exits 0, or prints every failure and exits 1.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const args = { 'expect-text': [], 'expect-chart': [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  if (Array.isArray(args[key])) args[key].push(process.argv[i + 1]);
  else args[key] = process.argv[i + 1];
}
for (const needed of ['html', 'results', 'screenshot']) {
  if (!args[needed]) {
    console.error(`check_report: --${needed} is required`);
    process.exit(2);
  }
}
const results = JSON.parse(readFileSync(args.results, 'utf8'));
const seconds = results.series.length;
const url = pathToFileURL(args.html).href;
const failures = [];
const fail = (what) => failures.push(what);

const browser = await chromium.launch({
  executablePath: process.env.GOLO_CHROMIUM || '/usr/bin/chromium',
  // Chromium's sandbox cannot start as root (containers): only then.
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
try {
  // JavaScript on: the charts.
  {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const network = [];
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url || u.startsWith('data:')) return route.continue();
      network.push(u);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    // Requests the route does not see (other schemes) are still requests.
    page.on('request', (r) => {
      const u = r.url();
      if (u !== url && !u.startsWith('data:') && !network.includes(u)) network.push(u);
    });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => Array.isArray(window.goloCharts), null,
                               { timeout: 10000 }).catch(() => fail('the charts were never made'));
    const charts = await page.evaluate(() => {
      return Array.from(document.querySelectorAll('canvas')).map((c) => {
        const chart = window.Chart && window.Chart.getChart(c);
        const ctx = c.getContext('2d');
        const pixels = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) ++painted;
        const rect = c.getBoundingClientRect();
        return {
          id: c.id, width: rect.width, height: rect.height, painted,
          datasets: chart ? chart.data.datasets.map((d) => d.data.length) : null,
        };
      });
    });
    if (charts.length < 5) fail(`only ${charts.length} canvases (want at least 5)`);
    for (const c of charts) {
      if (!(c.width > 0 && c.height > 0)) fail(`${c.id}: size ${c.width}x${c.height}`);
      if (!c.datasets || c.datasets.length === 0) fail(`${c.id}: no Chart.js chart`);
      else if (c.datasets.some((n) => n === 0)) fail(`${c.id}: an empty dataset`);
      if (c.painted === 0) fail(`${c.id}: nothing drawn`);
    }
    for (const id of args['expect-chart'])
      if (!charts.some((c) => c.id === id)) fail(`no chart ${id}`);
    const iterations = charts.find((c) => c.id === 'chart-iterations');
    if (!iterations) fail('no iterations chart');
    else if (iterations.datasets && iterations.datasets[0] !== seconds)
      fail(`iterations chart: ${iterations.datasets[0]} points for a ${seconds} s run`);
    const tagSets = (results.tag_set_series || []).length;
    const perSet = charts.filter((c) => /^chart-latency-\d+$/.test(c.id)).length;
    if (perSet !== Math.min(tagSets, 12))
      fail(`${perSet} per-tag-set latency charts for ${tagSets} tag sets`);
    if (await page.evaluate(() => window.__golo_pwned !== undefined))
      fail('a string from the results ran as script');
    const text = await page.evaluate(() => document.body.innerText);
    for (const t of args['expect-text'])
      if (!text.includes(t)) fail(`the page does not show ${JSON.stringify(t)}`);
    await page.screenshot({ path: args.screenshot, fullPage: true });
    if (args.pdf) {
      // What printing gives (the print style sheet, A4), kept beside it.
      await page.emulateMedia({ media: 'print' });
      await page.evaluate(() => window.goloCharts.forEach((c) => c.resize()));
      await page.pdf({ path: args.pdf, format: 'A4', printBackground: true });
    }
    for (const e of errors) fail(`console: ${e}`);
    for (const n of network) fail(`network request: ${n}`);
    console.log(`charts: ${charts.map((c) => `${c.id} ${Math.round(c.width)}x${Math.round(c.height)}`).join(', ')}`);
    await context.close();
  }
  // JavaScript off: the tables alone.
  {
    const context = await browser.newContext({ javaScriptEnabled: false });
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      fail(`network request with JavaScript off: ${u}`);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    await page.goto(url);
    const rows = await page.locator('table.summary tr').count();
    const want = 2 + results.tag_sets.length;  // header, all, tag sets
    if (rows !== want) fail(`JavaScript off: summary has ${rows} rows, want ${want}`);
    const total = String(results.total.iterations);
    const firstRow = await page.locator('table.summary tr').nth(1).innerText();
    if (!firstRow.includes(total))
      fail(`JavaScript off: the summary's first row lacks the ${total} iterations: ${firstRow}`);
    if (await page.locator('noscript').count() === 0) fail('no <noscript> note for the charts');
    await context.close();
  }
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(1);
}
console.log('ok');
