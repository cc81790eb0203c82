// Pages of runs: the list of runs, a run's overview, its islands and grids, its LLM calls,
// and the table of its programs. Each page is {title, live, load() -> data, render(data)}.
"use strict";
KV.pages = {};

KV.pages.runs = () => ({
  title: "runs",
  live: true,
  load: () => KV.api("runs"),
  render(data) {
    if (!data.runs.length) return KV.el("p", { class: "note" }, "No runs found in the served folders.");
    return KV.section("Runs", KV.table([
      { label: "run", get: (r) => KV.link(r.name, "run", r.name) },
      { label: "task", get: (r) => r.task || "" },
      { label: "strategy", get: (r) => r.strategy || "" },
      { label: "state", get: (r) => (r.error ? KV.badge("error") : KV.badge(r.state)) },
      { label: "best score", cls: "n", get: (r) => (r.best ? KV.num(r.best.score) : "–") },
      { label: "evaluations", cls: "n", get: (r) => (r.error ? r.error : KV.num(r.evaluations)) },
      { label: "valid", cls: "n", get: (r) => KV.pct(r.valid_fraction) },
      { label: "wall time", cls: "n", get: (r) => KV.duration(r.wall_ms) },
      { label: "LLM spend", cls: "n", get: (r) => KV.money(r.llm_cost) },
    ], data.runs, { id: "runs-table" }));
  },
});

KV.runNav = (name, here) => KV.el("nav", { class: "tabs" }, [
  ["overview", ["run", name]], ["programs", ["run", name, "programs"]],
  ["lineage of the best", ["run", name, "lineage", "best"]], ["islands", ["run", name, "islands"]],
  ["LLM calls", ["run", name, "llm"]],
].map(([label, parts]) => KV.el("a", { href: KV.route(...parts), class: label === here ? "here" : null }, label)));

KV.pages.run = (name) => ({
  title: name,
  live: true,
  async load() {
    const [summary, series, top] = await Promise.all([KV.api("runs", name, "summary"),
      KV.api("runs", name, "series", { points: 400 }), KV.api("runs", name, "programs", { order: "score", limit: 10 })]);
    return { summary, series, top };
  },
  render({ summary: s, series, top }) {
    const evalsPerMin = s.wall_ms > 0 ? (s.programs - 1) / (s.wall_ms / 60000) : 0;
    const best = s.best;
    return KV.el("div", {},
      KV.el("h1", {}, name, " ", KV.badge(s.state)),
      KV.el("p", { class: "sub" }, `${s.task} · ${s.strategy} · started ${KV.time(s.started_unix_ms)}`),
      KV.runNav(name, "overview"),
      KV.el("div", { class: "stats" },
        KV.stat("run-evaluations", "evaluations", KV.num(s.evaluations) + (s.target ? ` of ${KV.num(s.target)}` : ""), s.evaluations),
        KV.stat("run-valid", "valid", KV.pct(s.valid_fraction), s.valid_fraction, `${KV.num(s.valid)} of ${KV.num(s.programs)} programs`),
        KV.stat("run-best", "best score", best ? KV.num(best.score) : "–", best ? best.score : null,
          best ? KV.link(`program ${best.id}`, "run", name, "program", best.id) : null),
        KV.stat("run-wall", "wall time", KV.duration(s.wall_ms), s.wall_ms),
        KV.stat("run-throughput", "throughput", KV.num(evalsPerMin, 3) + " / min", evalsPerMin),
        KV.stat("run-llm", "LLM spend", KV.money(s.llm_cost), s.llm_cost,
          s.llm ? `${KV.num(s.llm.calls)} calls` : "no LLM calls"),
        KV.stat("run-rejected", "rejected edits", KV.num(s.rejected_edits), s.rejected_edits,
          `${KV.num(s.duplicates_skipped)} duplicates skipped`)),
      KV.scoreCharts(series),
      KV.el("div", { class: "two" },
        KV.section("Failures by reason", Object.keys(s.failures).length
          ? KV.bars(Object.entries(s.failures).map(([label, value]) => ({ label, value })), "failures")
          : KV.el("p", { class: "note", id: "failures" }, "No failed evaluations.")),
        KV.section("Rejected edits by kind", Object.keys(s.rejected_by_kind).length
          ? KV.bars(Object.entries(s.rejected_by_kind).map(([label, value]) => ({ label, value })), "rejected")
          : KV.el("p", { class: "note" }, "No rejected edits."))),
      KV.section("Best programs", KV.programTable(name, top.rows, "top-table")),
      best && Object.keys(best.hidden_metrics).length ? KV.section("Best program's metrics",
        KV.metricTable({ ...best.metrics }, best.hidden_metrics)) : null,
      KV.section("Config", KV.pre(s.config_yaml)));
  },
});

KV.metricTable = function (metrics, hidden) {
  const rows = Object.entries(metrics).map(([k, v]) => ({ k, v, kind: "metric" }))
    .concat(Object.entries(hidden || {}).map(([k, v]) => ({ k, v, kind: "hidden (held out)" })));
  return KV.table([{ label: "name", get: (r) => r.k }, { label: "kind", get: (r) => r.kind },
    { label: "value", cls: "n", get: (r) => KV.num(r.v) }], rows, { class: "metrics" });
};

KV.programTable = (name, rows, id) => KV.table([
  { label: "program", get: (p) => KV.link(`#${p.id}`, "run", name, "program", p.id) },
  { label: "score", cls: "n", get: (p) => (p.valid ? KV.num(p.score) : KV.el("span", { class: "fail" }, p.failure)) },
  { label: "generation", cls: "n", get: (p) => KV.num(p.generation) },
  { label: "island", cls: "n", get: (p) => p.island },
  { label: "origin", get: (p) => p.origin },
  { label: "parent", get: (p) => (p.parent_id ? KV.link(`#${p.parent_id}`, "run", name, "program", p.parent_id) : "–") },
  { label: "lineage", get: (p) => KV.link("lineage", "run", name, "lineage", p.id) },
  { label: "evaluated", get: (p) => KV.time(p.created_unix_ms) },
], rows, { id });

KV.scoreCharts = function (series) {
  const b = series.buckets;
  if (!b.length) return KV.el("p", { class: "note" }, "No programs yet.");
  const t0 = b[0].first_unix_ms;
  const minutes = (ms) => (ms - t0) / 60000;
  const scored = b.filter((x) => x.mean !== undefined);
  const best = b.filter((x) => x.best !== null);
  // The best is drawn last, on top of the population.
  const byEval = [
    { name: "population mean (band: min to max)", points: scored.map((x) => [x.last_id, x.mean]), color: KV.palette[2],
      band: scored.map((x) => [x.last_id, x.min, x.max]) },
    { name: "best so far", points: best.map((x) => [x.last_id, x.best]), step: true, color: KV.palette[0] },
  ];
  const byTime = [
    { name: "population max", points: scored.map((x) => [minutes(x.last_unix_ms), x.max]), color: KV.palette[4] },
    { name: "best so far", points: best.map((x) => [minutes(x.last_unix_ms), x.best]), step: true, color: KV.palette[0] },
  ];
  // Programs per minute over windows of about 1/40 of the run, so single fast commits do not spike.
  const throughput = [];
  const window = Math.max(1, Math.ceil(b.length / 40));
  for (let i = window; i < b.length; i += window) {
    const group = b.slice(i - window + 1, i + 1);
    const dt = (b[i].last_unix_ms - b[i - window].last_unix_ms) / 60000;
    if (dt > 0) throughput.push([minutes(b[i].last_unix_ms), group.reduce((n, x) => n + x.programs, 0) / dt]);
  }
  const steps = series.best_steps;
  const hiddenNames = [...new Set(steps.flatMap((s) => Object.keys(s.hidden_metrics)))].sort();
  return KV.el("div", { class: "two" },
    KV.section("Score over evaluations", KV.lineChart({ id: "chart-evals", series: byEval, xLabel: "program (commit order)", yLabel: "score" })),
    KV.section("Score over time", KV.lineChart({ id: "chart-time", series: byTime, xLabel: "minutes since the first program", yLabel: "score" })),
    KV.section("Best program: fitness and a hidden metric", hiddenNames.length
      ? KV.hiddenChart(steps, hiddenNames, b[b.length - 1].last_id)
      : KV.el("p", { class: "note", id: "chart-hidden" }, "The task reports no hidden metrics.")),
    KV.section("Throughput", throughput.length ? KV.lineChart({ id: "chart-throughput",
      series: [{ name: "programs per minute", points: throughput }], xLabel: "minutes since the first program", yLabel: "programs / min" })
      : KV.el("p", { class: "note" }, "Not enough programs yet.")));
};

// The hidden metric shown beside the fitness: the one chosen, else the one closest in scale to
// the score (held-out versions of the fitness usually are). Kept across refreshes.
KV.hiddenChoice = null;
KV.hiddenChart = function (steps, names, lastId) {
  const values = (h) => steps.filter((s) => Number.isFinite(s.hidden_metrics[h]));
  const scale = (h) => {
    const v = values(h);
    if (!v.length) return Infinity;
    const a = Math.abs(v[v.length - 1].hidden_metrics[h]) || 1e-12;
    const b = Math.abs(v[v.length - 1].score) || 1e-12;
    return Math.abs(Math.log(a / b));
  };
  const chosen = names.includes(KV.hiddenChoice) ? KV.hiddenChoice
    : names.slice().sort((x, y) => scale(x) - scale(y))[0];
  const select = KV.el("select", { id: "hidden-choice" }, names.map((n) =>
    KV.el("option", { value: n, selected: n === chosen ? "" : null }, n)));
  const holder = KV.el("div", {});
  const draw = (h) => {
    KV.clear(holder).appendChild(KV.lineChart({ id: "chart-hidden", xLabel: "program that set a new best", yLabel: "value",
      series: [
        { name: "fitness (best score)", points: steps.map((s) => [s.id, s.score]), step: true, extendTo: lastId, dots: true },
        { name: `${h} (hidden)`, points: values(h).map((s) => [s.id, s.hidden_metrics[h]]), step: true, extendTo: lastId, dots: true },
      ] }));
  };
  select.addEventListener("change", () => { KV.hiddenChoice = select.value; draw(select.value); });
  draw(chosen);
  return KV.el("div", {}, KV.el("label", { class: "sub" }, "hidden metric: ", select), holder);
};

KV.pages.programs = (name, query) => ({
  title: `${name}: programs`,
  live: true,
  load: () => KV.api("runs", name, "programs", { order: query.order || "id", offset: query.offset || 0, limit: 100 }),
  render(page) {
    const order = query.order || "id";
    const at = (offset, o) => KV.route("run", name, "programs") + `?order=${o || order}&offset=${offset}`;
    const pager = KV.el("p", { class: "pager" },
      page.offset > 0 ? KV.el("a", { href: at(Math.max(0, page.offset - page.limit)) }, "← previous") : null, " ",
      `programs ${KV.num(page.offset + 1)}–${KV.num(page.offset + page.rows.length)} of ${KV.num(page.total)}`, " ",
      page.offset + page.limit < page.total ? KV.el("a", { href: at(page.offset + page.limit) }, "next →") : null, " · order by ",
      KV.el("a", { href: at(0, "id") }, "commit"), " | ", KV.el("a", { href: at(0, "score") }, "score"));
    return KV.el("div", {}, KV.el("h1", {}, name), KV.runNav(name, "programs"), pager,
      KV.programTable(name, page.rows, "programs-table"));
  },
});

KV.pages.islands = (name) => ({
  title: `${name}: islands`,
  live: true,
  load: () => KV.api("runs", name, "islands"),
  render(d) {
    const scores = d.islands.flatMap((i) => i.cells.map((c) => c.score));
    const [lo, hi] = KV.extent(scores, 0);
    const ax = d.axes;
    const nx = ax.length > 0 ? ax[0].bins : 1;
    const ny = ax.length > 1 ? ax[1].bins : 1;
    const cards = d.islands.map((isl) => {
      // With more than two axes the grid is shown on the first two: the best of each column.
      const shown = new Map();
      for (const c of isl.cells) {
        const key = `${c.coords[0] || 0},${c.coords[1] || 0}`;
        if (!shown.has(key) || shown.get(key).score < c.score) shown.set(key, c);
      }
      const cells = [...shown.values()].map((c) => ({ x: c.coords[0] || 0, y: c.coords[1] || 0, value: c.score,
        label: `score ${KV.num(c.score)}, program ${c.id}, ${c.programs} programs in this cell`,
        onclick: () => { location.hash = KV.route("run", name, "program", c.id); } }));
      return KV.el("div", { class: "card island", "data-island": isl.island },
        KV.el("h3", {}, `island ${isl.island}`),
        KV.el("p", { class: "sub" }, `${KV.num(isl.programs)} programs, ${KV.num(isl.valid)} valid, best `,
          isl.best_id ? KV.link(KV.num(isl.best_score), "run", name, "program", isl.best_id) : "–",
          `, ${isl.cells.length} cells filled`),
        KV.heatmap({ nx, ny, cells, lo, hi, xLabel: ax[0] ? ax[0].name + " →" : "", yLabel: ax[1] ? ax[1].name + " ↑" : "" }));
    });
    const islands = d.islands.map((i) => i.island);
    const copies = new Map(d.migrations.map((m) => [`${m.from}>${m.to}`, m.copies]));
    const matrix = KV.table([{ label: "from \\ to", get: (f) => `island ${f}` }].concat(islands.map((t) => ({
      label: `island ${t}`, cls: "n", get: (f) => KV.num(copies.get(`${f}>${t}`) || 0) }))), islands, { id: "migrations" });
    return KV.el("div", {}, KV.el("h1", {}, name), KV.runNav(name, "islands"),
      KV.el("p", { class: "note" }, ax.length
        ? `MAP-Elites grid over ${ax.map((a) => `${a.name} [${a.min}, ${a.max}] in ${a.bins} bins`).join(" × ")}; ` +
          `each cell shows the best program that landed in it, colored from ${KV.num(lo)} (pale) to ${KV.num(hi)} (dark).`
        : "The task defines no MAP-Elites features: each island is one cell."),
      KV.el("div", { class: "cards" }, cards),
      KV.section("Migration (copies sent between islands" + (d.migration_interval ? `, every ${d.migration_interval} evaluations)` : ")"),
        d.migrations.length ? matrix : KV.el("p", { class: "note", id: "migrations" }, "No migrations yet.")));
  },
});

KV.pages.llm = (name, query) => ({
  title: `${name}: LLM calls`,
  live: true,
  load: () => KV.api("runs", name, "llm", { offset: query.offset || 0, limit: 100 }),
  render(d) {
    const models = Object.entries(d.models).map(([model, u]) => ({ model, ...u }));
    const failures = Object.entries(d.total.failures).map(([label, value]) => ({ label, value }));
    return KV.el("div", {}, KV.el("h1", {}, name), KV.runNav(name, "LLM calls"),
      KV.el("div", { class: "stats" },
        KV.stat("llm-calls", "calls", KV.num(d.total.calls), d.total.calls),
        KV.stat("llm-tokens", "tokens in / out", `${KV.num(d.total.tokens_in)} / ${KV.num(d.total.tokens_out)}`, d.total.tokens_in),
        KV.stat("llm-cost", "cost", KV.money(d.total.cost), d.total.cost),
        KV.stat("llm-latency", "mean latency", KV.duration(d.total.mean_latency_ms), d.total.mean_latency_ms)),
      !d.total.calls ? KV.el("p", { class: "note" }, "This run made no LLM calls (the built-in mutator proposed every edit).") : null,
      KV.section("Per model", KV.table([
        { label: "model", get: (m) => m.model }, { label: "calls", cls: "n", get: (m) => KV.num(m.calls) },
        { label: "tokens in", cls: "n", get: (m) => KV.num(m.tokens_in) }, { label: "tokens out", cls: "n", get: (m) => KV.num(m.tokens_out) },
        { label: "cost", cls: "n", get: (m) => KV.money(m.cost) }, { label: "mean latency", cls: "n", get: (m) => KV.duration(m.mean_latency_ms) },
        { label: "failures", get: (m) => Object.entries(m.failures).map(([k, v]) => `${k}: ${v}`).join(", ") || "none" },
      ], models, { id: "llm-models" })),
      KV.section("Failures by kind", failures.length ? KV.bars(failures, "llm-failures") : KV.el("p", { class: "note" }, "No failed calls.")),
      KV.section("Latest calls", KV.table([
        { label: "call", cls: "n", get: (c) => c.id }, { label: "model", get: (c) => c.model }, { label: "purpose", get: (c) => c.purpose },
        { label: "tokens in / out", cls: "n", get: (c) => `${c.tokens_in} / ${c.tokens_out}` }, { label: "cost", cls: "n", get: (c) => KV.money(c.cost) },
        { label: "latency", cls: "n", get: (c) => KV.duration(c.latency_ms) }, { label: "failure", get: (c) => c.failure || "" },
        { label: "outcome", get: (c) => (c.program_id ? KV.link(`program ${c.program_id}`, "run", name, "program", c.program_id) : c.outcome) },
      ], d.calls, { id: "llm-calls" })));
  },
});
