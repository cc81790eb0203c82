// Charts as inline SVG built with KV.svg: lines with bands, bars, heat maps. No library.
"use strict";
KV.palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d"];

KV.ticks = function (min, max, count) {
  if (!(max > min)) return [min];
  const step0 = (max - min) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const ticks = [];
  // Multiples of the step, computed one by one so rounding never shows as "-0" or "0.30000000004".
  for (let k = Math.ceil(min / step); k * step <= max + step * 1e-9; ++k) {
    ticks.push(Number((k * step).toPrecision(12)) || 0);
  }
  return ticks;
};

KV.extent = function (values, pad) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.05, hi + (Math.abs(hi) || 1) * 0.05];
  const p = (hi - lo) * (pad || 0);
  return [lo - p, hi + p];
};

// opts: {series: [{name, points: [[x, y]...], color, step, band: [[x, lo, hi]...]}],
//        xLabel, yLabel, xFormat, width, height, id}
KV.lineChart = function (opts) {
  const W = opts.width || 640;
  const H = opts.height || 260;
  const m = { l: 64, r: 16, t: 12, b: 42 };
  const xs = [];
  const ys = [];
  for (const s of opts.series) {
    for (const [x, y] of s.points) { xs.push(x); ys.push(y); }
    for (const [x, lo, hi] of s.band || []) { xs.push(x); ys.push(lo, hi); }
    if (s.extendTo !== undefined) xs.push(s.extendTo);
  }
  const [x0, x1] = KV.extent(xs, 0);
  const [y0, y1] = KV.extent(ys, 0.05);
  const sx = (x) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const root = KV.svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id: opts.id, role: "img" });
  const fmt = opts.xFormat || ((v) => KV.num(v, 4));
  for (const t of KV.ticks(y0, y1, 5)) {
    root.append(KV.svg("line", { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), class: "grid" }),
      KV.svg("text", { x: m.l - 6, y: sy(t) + 4, class: "tick", "text-anchor": "end" }, KV.num(t, 4)));
  }
  for (const t of KV.ticks(x0, x1, 6)) {
    root.append(KV.svg("line", { x1: sx(t), x2: sx(t), y1: H - m.b, y2: H - m.b + 4, class: "axis" }),
      KV.svg("text", { x: sx(t), y: H - m.b + 16, class: "tick", "text-anchor": "middle" }, fmt(t)));
  }
  root.append(KV.svg("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: "axis" }),
    KV.svg("line", { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: "axis" }),
    KV.svg("text", { x: (m.l + W - m.r) / 2, y: H - 6, class: "label", "text-anchor": "middle" }, opts.xLabel || ""),
    KV.svg("text", { x: 12, y: (m.t + H - m.b) / 2, class: "label", "text-anchor": "middle",
      transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})` }, opts.yLabel || ""));
  opts.series.forEach((s, i) => {
    const color = s.color || KV.palette[i % KV.palette.length];
    if (s.band && s.band.length) {
      const top = s.band.map(([x, , hi]) => `${sx(x)},${sy(hi)}`);
      const bottom = s.band.slice().reverse().map(([x, lo]) => `${sx(x)},${sy(lo)}`);
      root.append(KV.svg("polygon", { points: top.concat(bottom).join(" "), fill: color, class: "band" }));
    }
    if (!s.points.length) return;
    let d = "";
    s.points.forEach(([x, y], k) => {
      if (k === 0) d += `M${sx(x)},${sy(y)}`;
      else d += s.step ? `H${sx(x)}V${sy(y)}` : `L${sx(x)},${sy(y)}`;
    });
    if (s.step && s.extendTo !== undefined) d += `H${sx(s.extendTo)}`;
    root.append(KV.svg("path", { d, stroke: color, class: "line", "data-series": s.name }));
    if (s.points.length === 1 || s.dots) {
      for (const [x, y] of s.points) root.append(KV.svg("circle", { cx: sx(x), cy: sy(y), r: 2.5, fill: color }));
    }
  });
  const legend = KV.el("div", { class: "legend" }, opts.series.map((s, i) => {
    const swatch = KV.el("i", {});
    swatch.style.background = s.color || KV.palette[i % KV.palette.length];
    return KV.el("span", { class: "key" }, swatch, s.name);
  }));
  return KV.el("figure", { class: "figure" }, root, legend);
};

// Color for t in [0, 1]: pale yellow (low) to dark blue (high).
KV.heat = function (t) {
  const c0 = [255, 247, 188];
  const c1 = [37, 52, 148];
  const k = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  const c = c0.map((v, i) => Math.round(v + (c1[i] - v) * k));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
};

// cells: [{x, y, value, label, onclick}], nx by ny grid; lo/hi scale the colors.
KV.heatmap = function (opts) {
  const size = opts.cell || Math.max(10, Math.min(36, Math.floor(300 / Math.max(opts.nx, opts.ny))));
  const m = { l: 28, t: 8, b: 24 };
  const W = m.l + opts.nx * size + 8;
  const H = m.t + opts.ny * size + m.b;
  const root = KV.svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "heatmap" });
  for (let x = 0; x < opts.nx; ++x) {
    for (let y = 0; y < opts.ny; ++y) {
      root.append(KV.svg("rect", { x: m.l + x * size, y: m.t + (opts.ny - 1 - y) * size,
        width: size - 1, height: size - 1, class: "empty-cell" }));
    }
  }
  for (const c of opts.cells) {
    const t = (c.value - opts.lo) / (opts.hi - opts.lo || 1);
    const rect = KV.svg("rect", { x: m.l + c.x * size, y: m.t + (opts.ny - 1 - c.y) * size,
      width: size - 1, height: size - 1, fill: KV.heat(t), class: "cell",
      onclick: c.onclick }, KV.svg("title", {}, c.label));
    root.append(rect);
  }
  root.append(KV.svg("text", { x: m.l, y: H - 6, class: "tick" }, opts.xLabel || ""),
    KV.svg("text", { x: 4, y: m.t + 10, class: "tick" }, opts.yLabel || ""));
  return root;
};

// Horizontal bars: rows [{label, value}] with the value written beside each bar.
KV.bars = function (rows, id) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return KV.el("div", { class: "bars", id }, rows.map((r) => {
    const bar = KV.el("span", { class: "bar" });
    bar.style.width = (100 * r.value) / max + "%";
    return KV.el("div", { class: "bar-row", "data-key": r.label, "data-value": r.value },
      KV.el("span", { class: "bar-label" }, r.label), KV.el("span", { class: "bar-track" }, bar),
      KV.el("span", { class: "bar-value" }, KV.num(r.value)));
  }));
};
