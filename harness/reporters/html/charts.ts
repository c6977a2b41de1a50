/**
 * The page's own script (runs in the browser, inlined after uPlot): reads the report data from its JSON block and
 * draws the charts. Every label from the journal reaches the page through textContent or the canvas, never as HTML.
 * Windows are shaded in a `drawClear` hook: faults hatched vermillion, operator actions blue, the scenario clock's
 * measured (1:1) stretches as a grey strip under the plot; each is labelled on the canvas.
 * Palette: Okabe–Ito (colour-blind safe); lines differ by dash as well as colour.
 */
export const CHART_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var C = { blue: '#0072B2', orange: '#E69F00', sky: '#56B4E9', green: '#009E73', verm: '#D55E00', purple: '#CC79A7', black: '#000000', yellow: '#F0E442' };
  var LINE = [C.blue, C.orange, C.green, C.purple, C.sky, C.verm, C.black];
  var DASH = [[], [6, 3], [2, 3], [8, 3, 2, 3], [12, 4], [4, 4], [1, 2]];
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function wall(s) { var d = new Date(D.originMs + s * 1000); return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()); }
  function scen(s) {
    var i = Math.max(0, Math.min(D.scenarioMs.length - 1, Math.floor(s)));
    var ms = D.scenarioMs[i]; var neg = ms < 0; ms = Math.abs(ms);
    var h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, sec = Math.floor(ms / 1000) % 60;
    return 'T' + (neg ? '−' : '+') + (h ? h + ' h ' : '') + pad(m) + ' min ' + pad(sec) + ' s';
  }
  var xs = new Array(D.seconds);
  for (var i = 0; i < D.seconds; i++) xs[i] = i;
  var charts = [];
  var pending = 0, created = false;
  window.__report = { charts: charts, ready: false, readyAt: null };
  // ready once every chart has drawn for the first time (uPlot draws in a microtask after it is built)
  function markReady() {
    if (window.__report.ready || pending > 0 || !created) return;
    window.__report.readyAt = performance.now();
    window.__report.ready = true;
    document.documentElement.setAttribute('data-charts', String(charts.length));
  }

  function shade(u) {
    var ctx = u.ctx, b = u.bbox, px = devicePixelRatio || 1;
    function band(w, fill, top, height, label, hatch, row) {
      var x0 = u.valToPos(Math.max(w.from, u.scales.x.min), 'x', true), x1 = u.valToPos(Math.min(w.to, u.scales.x.max), 'x', true);
      if (!(x1 > x0 - 1)) return;
      var wd = Math.max(x1 - x0, 2 * px);
      ctx.save();
      ctx.fillStyle = fill; ctx.fillRect(x0, top, wd, height);
      if (hatch) {
        ctx.beginPath(); ctx.rect(x0, top, wd, height); ctx.clip();
        ctx.strokeStyle = hatch; ctx.lineWidth = px;
        for (var hx = x0 - height; hx < x0 + wd; hx += 8 * px) { ctx.moveTo(hx, top + height); ctx.lineTo(hx + height, top); }
        ctx.stroke();
      }
      ctx.restore();
      if (label) {
        ctx.save(); ctx.fillStyle = '#222'; ctx.font = (11 * px) + 'px sans-serif'; ctx.textBaseline = 'top';
        ctx.beginPath(); ctx.rect(x0, top, Math.max(wd, 0), height); ctx.clip();
        ctx.fillText(label, x0 + 3 * px, top + (3 + 13 * (row || 0)) * px); ctx.restore();
      }
    }
    // overlapping faults' labels go on successive rows
    D.faults.forEach(function (w, k) { band(w, 'rgba(213,94,0,0.10)', b.top, b.height, '⚡ ' + w.label, 'rgba(213,94,0,0.25)', k % 4); });
    D.actions.forEach(function (w) { band(w, 'rgba(0,114,178,0.22)', b.top + b.height * 0.5, b.height * 0.5, '⚙ ' + w.label, null); });
    D.measured.forEach(function (w) { band(w, 'rgba(80,80,80,0.55)', b.top + b.height - 5 * px, 5 * px, null, null); });
    ctx.save(); ctx.strokeStyle = 'rgba(0,0,0,0.45)'; ctx.setLineDash([3 * px, 3 * px]); ctx.fillStyle = '#444'; ctx.font = (10 * px) + 'px sans-serif';
    D.phases.forEach(function (p) {
      if (p.from < u.scales.x.min || p.from > u.scales.x.max) return;
      var x = u.valToPos(p.from, 'x', true);
      ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
      ctx.save(); ctx.translate(x + 2 * px, b.top + b.height - 8 * px); ctx.rotate(-Math.PI / 2); ctx.fillText(p.label, 0, 0); ctx.restore();
    });
    ctx.restore();
  }

  function xAxis() {
    return { space: 80, values: function (u, splits) { return splits.map(function (s) { return wall(s); }); }, label: 'wall clock (UTC); scenario time in the legend; grey strip: measured (1:1) stretches', labelSize: 18, labelFont: '11px sans-serif' };
  }
  function xSeries() { return { label: 'time', value: function (u, v) { return v == null ? '—' : wall(v) + ' wall · ' + scen(v) + ' scenario'; } }; }
  function width(el) { return Math.max(280, Math.min(1100, el.clientWidth || 800)); }

  function chart(id, title, opts, data) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.title = title;
    opts.width = width(el);
    opts.height = 220;
    var first = true;
    pending++;
    opts.hooks = { drawClear: [shade], draw: [function () { if (first) { first = false; pending--; markReady(); } }] };
    opts.cursor = { drag: { x: true, y: false } };
    var u = new uPlot(opts, data, el);
    el.setAttribute('data-series', String(opts.series.length - 1));
    charts.push({ id: id, title: title, series: opts.series.length - 1, u: u, el: el });
  }

  D.functions.forEach(function (f, k) {
    chart('chart-fn-' + k, f.fn + ': availability and latency', {
      series: [xSeries(),
        { label: 'availability %', stroke: C.blue, width: 2, scale: '%', value: function (u, v) { return v == null ? '—' : v.toFixed(1) + ' %'; } },
        { label: 'p50 ms', stroke: C.orange, width: 1.5, dash: [6, 3], scale: 'ms', value: function (u, v) { return v == null ? '—' : v + ' ms'; } },
        { label: 'p99 ms', stroke: C.purple, width: 1.5, dash: [2, 3], scale: 'ms', value: function (u, v) { return v == null ? '—' : v + ' ms'; } }],
      scales: { x: { time: false }, '%': { range: [0, 100] }, ms: f.p99.some(function (v) { return v > 0; }) ? { distr: 3, log: 10 } : {} },
      axes: [xAxis(), { scale: '%', label: 'availability %', values: function (u, s) { return s.map(function (v) { return v + ' %'; }); } },
        { scale: 'ms', side: 1, label: 'latency ms', grid: { show: false } }],
    }, [xs, f.availability, f.p50, f.p99]);
  });

  function multi(id, title, list, unit, fmt) {
    if (!list.length) return;
    var series = [xSeries()], data = [xs];
    list.forEach(function (s, k) {
      series.push({ label: s.name, stroke: LINE[k % LINE.length], dash: DASH[k % DASH.length], width: 2, spanGaps: false, value: function (u, v) { return v == null ? '—' : fmt(v); } });
      data.push(s.values);
    });
    chart(id, title, { series: series, scales: { x: { time: false } }, axes: [xAxis(), { label: unit }] }, data);
  }
  multi('chart-staleness', 'Staleness of each reader (wall ms)', D.staleness, 'staleness ms', function (v) { return v + ' ms'; });
  multi('chart-lag', 'Replication gap (bytes not yet at the replica)', D.lagBytes, 'bytes', function (v) { return v + ' B'; });
  if (D.whatIf.values) multi('chart-whatif', 'What if we failed over now: acknowledged writes that would be lost', [{ name: 'would lose (' + (D.whatIf.replica || 'replica') + ')', values: D.whatIf.values }], 'writes', function (v) { return v + ' writes'; });

  var last = 0;
  window.addEventListener('resize', function () {
    clearTimeout(last);
    last = setTimeout(function () { resizeAll(null); }, 100);
  });
  // print: charts at the paper's width (A4 portrait with margins), back to the window's afterwards
  function resizeAll(w) { charts.forEach(function (c) { c.u.setSize({ width: w == null ? width(c.el) : w, height: 220 }); }); }
  window.addEventListener('beforeprint', function () { resizeAll(680); });
  window.addEventListener('afterprint', function () { resizeAll(null); });
  created = true;
  markReady();
})();
`;
