/**
 * The report page's only script, inlined into the HTML: it reads the embedded report JSON and draws everything
 * with the DOM (SVG charts, the embedding scrubber, heatmaps, bars). Plain ES5-ish JavaScript with no imports and
 * no network; every text from the report is set with textContent. No backticks or "${" here: this is a template.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  "use strict";
  var report = JSON.parse(document.getElementById("orrery-report").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var run = report.run;
  var info = report.experiment;
  var root = document.getElementById("report");

  function attrs(e, a) { for (var k in a) if (a[k] !== null && a[k] !== undefined) e.setAttribute(k, String(a[k])); return e; }
  function h(tag, a, parent, text) {
    var e = attrs(document.createElement(tag), a || {});
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function s(tag, a, parent, text) {
    var e = attrs(document.createElementNS(SVG, tag), a || {});
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "NaN";
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }
  function date(ms) { try { return new Date(ms).toLocaleString(); } catch (e) { return String(ms); } }
  function niceTicks(a, b, n) {
    var span = b - a;
    if (!(span > 0)) return [a];
    var step = Math.pow(10, Math.floor(Math.log(span / n) / Math.LN10));
    var err = span / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }
  function panel(parent, title, cls) {
    var p = h("section", { "class": "panel " + (cls || "") }, parent);
    if (title) h("h2", {}, p, title);
    return p;
  }

  // ───── header, config ─────
  var head = h("header", {}, root);
  h("h1", {}, head, info ? info.title : run.experiment);
  var meta = h("p", { "class": "meta" }, head);
  h("span", { "class": "badge state-" + run.state, "data-testid": "run-state" }, meta, run.state);
  h("span", { "class": "mono" }, meta, run.runId);
  h("span", {}, meta, "step " + run.step + " / " + run.totalSteps);
  h("span", {}, meta, "backend " + run.backend);
  h("span", {}, meta, "created " + date(run.createdAt));
  h("span", {}, meta, "exported " + date(report.exportedAt));
  if (run.parent) h("span", {}, meta, "fork of " + run.parent.runId + " @ " + run.parent.step + (run.parent.name ? " (" + run.parent.name + ")" : ""));
  if (run.reason) h("p", { "class": "reason" }, head, run.state + ": " + run.reason);
  if (info && info.description) h("p", { "class": "description" }, head, info.description);

  var configPanel = panel(root, "Config");
  var table = h("table", { "class": "config", "data-testid": "config" }, configPanel);
  var labels = {};
  if (info) info.fields.forEach(function (f) { labels[f.key] = f.label; });
  Object.keys(run.config).sort().forEach(function (k) {
    var tr = h("tr", {}, table);
    h("th", { title: labels[k] || "" }, tr, k);
    h("td", { "class": "mono" }, tr, String(run.config[k]));
  });

  // ───── charts ─────
  var cursors = [];
  var metrics = [];
  var known = {};
  (info ? info.metrics : []).forEach(function (m) { if (report.series[m.key]) { metrics.push(m); known[m.key] = true; } });
  Object.keys(report.series).sort().forEach(function (k) { if (!known[k]) metrics.push({ key: k, label: k }); });
  var charts = h("div", { "class": "grid" }, root);
  metrics.forEach(function (m) { chart(m, report.series[m.key], panel(charts, m.label, "chart-panel")); });
  if (!metrics.length) h("p", { "class": "empty" }, charts, "This run recorded no metrics.");

  function chart(metric, series, parent) {
    var W = 560, H = 220, L = 58, R = 14, T = 14, B = 28;
    var log = !!metric.logScale;
    var ref = (run.references && run.references[metric.key]) || metric.reference || null;
    var usable = function (v) { return v !== null && isFinite(v) && (!log || v > 0); };
    var tv = function (v) { return log ? Math.log(v) / Math.LN10 : v; };
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, i;
    for (i = 0; i < series.step.length; i++) {
      x0 = Math.min(x0, series.step[i]); x1 = Math.max(x1, series.step[i]);
      var v = series.value[i];
      if (usable(v)) { y0 = Math.min(y0, tv(v)); y1 = Math.max(y1, tv(v)); }
    }
    if (ref && usable(ref.value)) { y0 = Math.min(y0, tv(ref.value)); y1 = Math.max(y1, tv(ref.value)); }
    if (!isFinite(x0)) { x0 = 0; x1 = 1; }
    if (x1 === x0) x1 = x0 + 1;
    if (!isFinite(y0)) { y0 = 0; y1 = 1; }
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    var pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    var X = function (step) { return L + ((step - x0) / (x1 - x0)) * (W - L - R); };
    var Y = function (v) { return T + (1 - (tv(v) - y0) / (y1 - y0)) * (H - T - B); };
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "class": "chart", "data-testid": "chart-" + metric.key }, parent);
    s("rect", { x: L, y: T, width: W - L - R, height: H - T - B, "class": "plot" }, svg);
    var yt;
    if (log) {
      yt = [];
      for (var p = Math.ceil(y0); p <= Math.floor(y1); p++) yt.push(Math.pow(10, p));
      if (yt.length < 2) yt = niceTicks(Math.pow(10, y0), Math.pow(10, y1), 4).filter(function (t) { return t > 0; });
    } else yt = niceTicks(y0, y1, 4);
    yt.forEach(function (t) {
      s("line", { x1: L, x2: W - R, y1: Y(t), y2: Y(t), "class": "grid-line" }, svg);
      s("text", { x: L - 6, y: Y(t) + 4, "class": "tick", "text-anchor": "end" }, svg, fmt(t));
    });
    niceTicks(x0, x1, 5).forEach(function (t) {
      s("text", { x: X(t), y: H - 8, "class": "tick", "text-anchor": "middle" }, svg, fmt(t));
    });
    if (ref && usable(ref.value)) {
      s("line", { x1: L, x2: W - R, y1: Y(ref.value), y2: Y(ref.value), "class": "reference" }, svg);
      s("text", { x: W - R - 4, y: Y(ref.value) - 4, "class": "reference-label", "text-anchor": "end" }, svg, ref.label + " = " + fmt(ref.value));
    }
    var d = "", pen = false;
    for (i = 0; i < series.step.length; i++) {
      var val = series.value[i];
      if (usable(val)) { d += (pen ? "L" : "M") + X(series.step[i]).toFixed(1) + " " + Y(val).toFixed(1); pen = true; } else pen = false;
    }
    s("path", { d: d, "class": "line" }, svg);
    report.interventions.forEach(function (r) {
      var g = s("g", { "class": "intervention" }, svg);
      s("line", { x1: X(r.step), x2: X(r.step), y1: T, y2: T + 10 }, g);
      s("title", {}, g, "step " + r.step + ": " + r.summary);
    });
    report.annotations.forEach(function (a) {
      var g = s("g", { "class": "annotation" }, svg);
      s("circle", { cx: X(a.step), cy: H - B - 4, r: 3.5 }, g);
      s("title", {}, g, "step " + a.step + " — " + a.by + ": " + a.text);
    });
    var cursor = s("line", { y1: T, y2: H - B, "class": "cursor", visibility: "hidden" }, svg);
    var last = null;
    for (i = series.value.length - 1; i >= 0; i--) if (series.value[i] !== null) { last = series.value[i]; break; }
    h("p", { "class": "latest" }, parent, "last " + fmt(last) + (log ? " (log scale)" : ""));
    cursors.push(function (step) {
      attrs(cursor, { x1: X(step), x2: X(step), visibility: step >= x0 && step <= x1 ? "visible" : "hidden" });
    });
  }

  // ───── snapshots: views with a step slider ─────
  var snaps = report.snapshots;
  var updaters = [];
  var tensorsPanel = panel(root, "Tensors");
  function tensorAt(k, name) {
    var sn = snaps[k];
    if (!sn) return null;
    for (var j = 0; j < sn.tensors.length; j++) if (sn.tensors[j].name === name) return sn.tensors[j];
    return null;
  }
  function lastTensor(name) {
    for (var k = snaps.length - 1; k >= 0; k--) { var t = tensorAt(k, name); if (t) return t; }
    return null;
  }
  function num(v) { return v === null ? NaN : v; }

  /** The top two principal axes of the rows of an n×d matrix (power iteration on the covariance). */
  function pca2(values, n, d) {
    var mean = [], C = [], a, b, i;
    for (b = 0; b < d; b++) { mean[b] = 0; for (i = 0; i < n; i++) mean[b] += num(values[i * d + b]) / n; }
    for (a = 0; a < d; a++) { C[a] = []; for (b = 0; b < d; b++) { var c = 0; for (i = 0; i < n; i++) c += (num(values[i * d + a]) - mean[a]) * (num(values[i * d + b]) - mean[b]); C[a][b] = isFinite(c) ? c : 0; } }
    var axes = [];
    for (var k = 0; k < 2; k++) {
      var v = [];
      for (a = 0; a < d; a++) v[a] = 1 + 0.1 * a + 0.01 * k * a * a;
      var lambda = 0;
      for (var it = 0; it < 200; it++) {
        var w = [], norm = 0;
        for (a = 0; a < d; a++) { w[a] = 0; for (b = 0; b < d; b++) w[a] += C[a][b] * v[b]; norm += w[a] * w[a]; }
        norm = Math.sqrt(norm);
        if (!(norm > 0)) break;
        for (a = 0; a < d; a++) v[a] = w[a] / norm;
        lambda = norm;
      }
      var big = 0;
      for (a = 0; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
      if (v[big] < 0) for (a = 0; a < d; a++) v[a] = -v[a];
      axes.push(v);
      for (a = 0; a < d; a++) for (b = 0; b < d; b++) C[a][b] -= lambda * v[a] * v[b];
    }
    return { mean: mean, axes: axes };
  }

  function scatterView(view, parent) {
    var lastT = lastTensor(view.tensor);
    if (!lastT) return;
    var n = lastT.shape[0] || 0, d = lastT.shape.length > 1 ? lastT.shape[1] : 1;
    var pca = d > 2 ? pca2(lastT.values, n, d) : null;
    var box = panel(parent, view.label, "view");
    h("p", { "class": "hint" }, box, pca ? "principal axes 1, 2 of the last embedded snapshot (" + d + " dimensions), fixed for every step" : d === 2 ? "columns 1, 2" : "column 1");
    function project(t) {
      var out = [];
      var dd = t.shape.length > 1 ? t.shape[1] : 1;
      for (var i = 0; i < t.shape[0]; i++) {
        var row = t.values.slice(i * dd, i * dd + dd).map(num);
        if (pca && dd === d) {
          var p = [0, 0];
          for (var k = 0; k < 2; k++) for (var b = 0; b < dd; b++) p[k] += (row[b] - pca.mean[b]) * pca.axes[k][b];
          out.push(p);
        } else out.push([row[0], dd > 1 ? row[1] : 0]);
      }
      return out;
    }
    var frames = snaps.map(function (sn, k) { var t = tensorAt(k, view.tensor); return t && t.shape[0] === n ? project(t) : null; });
    var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    frames.forEach(function (f) { if (f) f.forEach(function (p) { for (var k = 0; k < 2; k++) if (isFinite(p[k])) { lo[k] = Math.min(lo[k], p[k]); hi[k] = Math.max(hi[k], p[k]); } }); });
    var span = Math.max(hi[0] - lo[0], hi[1] - lo[1]);
    if (!(span > 0)) span = 1;
    var cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2, S = 320, M = 16;
    var X = function (v) { return S / 2 + ((v - cx) / span) * (S - 2 * M); };
    var Y = function (v) { return S / 2 - ((v - cy) / span) * (S - 2 * M); };
    var svg = s("svg", { viewBox: "0 0 " + S + " " + S, width: S, height: S, "class": "scatter", "data-testid": "scatter-" + view.tensor }, box);
    s("rect", { x: 0, y: 0, width: S, height: S, "class": "plot" }, svg);
    var path = view.cyclic ? s("path", { "class": "cycle" }, svg) : null;
    var dots = [];
    for (var i = 0; i < n; i++) {
      var c = s("circle", { r: 4.5, "data-index": i, fill: "hsl(" + Math.round((300 * i) / Math.max(1, n)) + ", 80%, 62%)" }, svg);
      s("title", {}, c, view.tensor + "[" + i + "]");
      dots.push(c);
    }
    updaters.push(function (k) {
      var f = frames[k];
      svg.setAttribute("data-step", f ? String(snaps[k].step) : "");
      if (!f) return;
      var d = "";
      for (var i = 0; i < n; i++) {
        var x = X(f[i][0]), y = Y(f[i][1]);
        if (!isFinite(x) || !isFinite(y)) { dots[i].setAttribute("visibility", "hidden"); continue; }
        attrs(dots[i], { cx: x.toFixed(2), cy: y.toFixed(2), visibility: "visible" });
        d += (d ? "L" : "M") + x.toFixed(2) + " " + y.toFixed(2);
      }
      if (path) path.setAttribute("d", d ? d + "Z" : "");
    });
  }

  function color(v, scale) {
    if (v === null || !isFinite(v)) return "#000";
    var t = Math.max(-1, Math.min(1, scale > 0 ? v / scale : 0)), a = Math.abs(t);
    var base = [30, 41, 59], to = t < 0 ? [59, 130, 246] : [244, 63, 94];
    return "rgb(" + [0, 1, 2].map(function (j) { return Math.round(base[j] + (to[j] - base[j]) * a); }).join(",") + ")";
  }

  function heatmapView(name, label, parent) {
    var lastT = lastTensor(name);
    if (!lastT) return;
    var rows = lastT.shape.length > 1 ? lastT.shape[0] : 1, cols = lastT.shape.length > 1 ? lastT.values.length / Math.max(1, rows) : lastT.values.length;
    var box = panel(parent, label, "view");
    h("p", { "class": "hint" }, box, lastT.shape.join("×") + (lastT.shape.length > 2 ? " (drawn as " + rows + "×" + cols + ")" : ""));
    if (rows * cols > 20000) { h("p", { "class": "empty" }, box, "too large to draw here (" + rows * cols + " values); it is in the embedded JSON"); return; }
    var cell = Math.max(2, Math.min(40, Math.floor(300 / Math.max(rows, cols, 1))));
    var numbers = rows * cols <= 36;
    var svg = s("svg", { width: cols * cell, height: rows * cell, "class": "heatmap", "data-testid": "heatmap-" + name }, box);
    var rects = [], texts = [];
    for (var i = 0; i < rows * cols; i++) {
      var r = Math.floor(i / cols), c = i % cols;
      rects.push(s("rect", { x: c * cell, y: r * cell, width: cell, height: cell }, svg));
      if (numbers) texts.push(s("text", { x: c * cell + cell / 2, y: r * cell + cell / 2 + 4, "text-anchor": "middle", "class": "cell-text" }, svg));
    }
    updaters.push(function (k) {
      var t = tensorAt(k, name);
      if (!t || t.values.length !== rows * cols) return;
      var scale = 0;
      t.values.forEach(function (v) { if (v !== null && isFinite(v)) scale = Math.max(scale, Math.abs(v)); });
      t.values.forEach(function (v, i) {
        rects[i].setAttribute("fill", color(v, scale));
        if (numbers) texts[i].textContent = cell >= 40 ? fmt(v) : "";
      });
    });
  }

  function barsView(name, label, parent) {
    var lastT = lastTensor(name);
    if (!lastT) return;
    var box = panel(parent, label, "view");
    var n = lastT.values.length, W = 320, H = 140;
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "class": "bars", "data-testid": "bars-" + name }, box);
    var bw = W / Math.max(1, n), rects = [];
    for (var i = 0; i < n; i++) rects.push(s("rect", { x: i * bw + bw * 0.1, width: bw * 0.8 }, svg));
    var axis = s("line", { x1: 0, x2: W, "class": "grid-line" }, svg);
    var caption = h("p", { "class": "hint" }, box);
    updaters.push(function (k) {
      var t = tensorAt(k, name);
      if (!t) return;
      var lo = 0, hi = 0;
      t.values.forEach(function (v) { if (v !== null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      var span = hi - lo || 1, zero = 4 + (hi / span) * (H - 8);
      axis.setAttribute("y1", String(zero)); axis.setAttribute("y2", String(zero));
      t.values.forEach(function (v, i) {
        if (!rects[i]) return;
        var len = v === null || !isFinite(v) ? 0 : (Math.abs(v) / span) * (H - 8);
        attrs(rects[i], { y: v !== null && v < 0 ? zero : zero - len, height: Math.max(0.5, len) });
      });
      caption.textContent = t.values.slice(0, 8).map(fmt).join("  ") + (n > 8 ? "  …" : "");
    });
  }

  if (!snaps.length) h("p", { "class": "empty" }, tensorsPanel, "This report holds no snapshots.");
  else {
    var viewsBox = h("div", { "class": "views" }, tensorsPanel);
    var drawn = {};
    var views = info ? info.views : [];
    views.forEach(function (v) {
      drawn[v.tensor] = true;
      if (v.kind === "points") scatterView(v, viewsBox);
      else if (v.kind === "matrix") heatmapView(v.tensor, v.label, viewsBox);
      else barsView(v.tensor, v.label, viewsBox);
    });
    snaps[snaps.length - 1].tensors.forEach(function (t) {
      if (drawn[t.name] || (info && info.views.some(function (v) { return v.fiedler === t.name; }))) return;
      if (t.shape.length === 1) barsView(t.name, t.name, viewsBox); else heatmapView(t.name, t.name, viewsBox);
    });
    var scrub = h("div", { "class": "scrubber" }, tensorsPanel);
    h("label", { "for": "step-slider" }, scrub, "step");
    var slider = h("input", { id: "step-slider", type: "range", min: 0, max: snaps.length - 1, step: 1, value: snaps.length - 1, "data-testid": "step-slider" }, scrub);
    var shown = h("span", { "class": "mono", "data-testid": "shown-step" }, scrub);
    h("span", { "class": "hint" }, scrub, snaps.length + " of the run's " + report.snapshotSteps.length + " stored snapshots are in this report");
    var show = function (k) {
      shown.textContent = String(snaps[k].step);
      updaters.forEach(function (u) { u(k); });
      cursors.forEach(function (c) { c(snaps[k].step); });
    };
    slider.addEventListener("input", function () { show(Number(slider.value)); });
    show(snaps.length - 1);
  }

  // ───── logs ─────
  var logPanel = panel(root, "Intervention log (" + report.interventions.length + ")");
  if (!report.interventions.length) h("p", { "class": "empty" }, logPanel, "No interventions.");
  else {
    var lt = h("table", { "class": "log", "data-testid": "intervention-log" }, logPanel);
    report.interventions.forEach(function (r) {
      var tr = h("tr", {}, lt);
      h("td", { "class": "mono" }, tr, "step " + r.step);
      h("td", {}, tr, r.by);
      h("td", {}, tr, r.summary);
    });
  }
  var notesPanel = panel(root, "Comments (" + report.annotations.length + ")");
  if (!report.annotations.length) h("p", { "class": "empty" }, notesPanel, "No comments.");
  else {
    var ul = h("ul", { "class": "log", "data-testid": "annotation-list" }, notesPanel);
    report.annotations.forEach(function (a) {
      var li = h("li", {}, ul);
      h("span", { "class": "mono" }, li, "step " + a.step + " ");
      h("b", {}, li, a.by + ": ");
      h("span", {}, li, a.text);
    });
  }
  if (report.omitted.length) {
    var om = panel(root, "Left out of this report");
    var oul = h("ul", {}, om);
    report.omitted.forEach(function (o) { h("li", {}, oul, o); });
  }
  h("footer", {}, root, "Orrery run report · self-contained: it needs no network and no daemon · the report's JSON is embedded in this file (script#orrery-report)");
  document.body.setAttribute("data-rendered", "true");
})();
`;
