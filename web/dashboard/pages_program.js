// Pages of one program: its code, diff, metrics, artifacts and LLM transcript; and its lineage.
"use strict";

// The chat messages of a recorded request body, or the raw text when it is not JSON.
KV.promptMessages = function (request) {
  try {
    const body = JSON.parse(request);
    if (Array.isArray(body.messages)) return body.messages;
  } catch (e) { /* shown raw below */ }
  return [{ role: "request", content: request }];
};

KV.llmCallView = (c) => KV.el("div", { class: "card llm-call" },
  KV.el("h3", {}, `${c.model} · ${c.purpose} · attempt ${c.attempt}`),
  KV.el("p", { class: "sub" }, `${c.tokens_in} tokens in, ${c.tokens_out} out · ${KV.money(c.cost)} · ${KV.duration(c.latency_ms)}`,
    c.failure ? ` · failed: ${c.failure} ${c.error}` : ""),
  c.expected_impact ? KV.el("p", {}, "expected impact: ", c.expected_impact) : null,
  KV.el("details", { class: "prompt" }, KV.el("summary", {}, "prompt"),
    KV.promptMessages(c.request || "").map((m) => KV.el("div", { class: "message" },
      KV.el("div", { class: "role" }, String(m.role)), KV.pre(typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 2)))) ),
  KV.el("details", { class: "reply", open: "" }, KV.el("summary", {}, "reply"),
    c.reasoning ? KV.pre(c.reasoning, "code reasoning") : null, KV.pre(c.content || c.reply || "")));

KV.diffView = (diff) => KV.el("pre", { class: "code diff", id: "program-diff" }, diff.map(([op, text]) =>
  KV.el("span", { class: op === "+" ? "add" : op === "-" ? "del" : "same" }, `${op} ${text}\n`)));

KV.pages.program = (name, id) => ({
  title: `${name}: program ${id}`,
  live: false,
  load: () => KV.api("runs", name, "programs", id),
  render(p) {
    const r = p.result;
    const facts = [["origin", p.origin], ["island", p.island],
      ["evaluated", KV.time(p.created_unix_ms)], ["evaluation time", KV.duration(r.duration_ms)],
      ["cascade stages run", r.stages_run], ["code hash", p.code_hash]];
    return KV.el("div", {},
      KV.el("h1", {}, `program ${p.id} `, r.valid ? KV.badge("valid") : KV.badge("invalid")),
      KV.runNav(name, ""),
      KV.el("div", { class: "stats" },
        KV.stat("program-score", "score", r.valid ? KV.num(r.combined_score) : (r.failure || "invalid"), r.combined_score),
        KV.stat("program-parent", "parent", p.parent ? (p.parent.score === null ? "invalid" : KV.num(p.parent.score)) : "none",
          p.parent ? p.parent.score : null, p.parent ? KV.link(`program ${p.parent.id}`, "run", name, "program", p.parent.id) : "the initial program"),
        KV.stat("program-generation", "generation", KV.num(p.generation), p.generation,
          KV.link("ancestry and tree", "run", name, "lineage", p.id))),
      r.valid ? null : KV.el("p", { class: "fail", id: "program-reason" }, `${r.failure}: ${r.reason}`),
      KV.el("div", { class: "two" },
        KV.section("Metrics", KV.metricTable(r.metrics, r.hidden_metrics)),
        KV.section("Facts", KV.table([{ label: "fact", get: (f) => f[0] }, { label: "value", get: (f) => String(f[1]) }],
          facts.concat(Object.entries(r.features).map(([k, v]) => [`feature ${k}`, KV.num(v)]))))),
      p.edit ? KV.section("Edit", KV.el("p", { class: "sub", id: "program-edit-summary" }, p.edit_summary)) : null,
      p.diff ? KV.section(`Diff against program ${p.parent_id}`, KV.diffView(p.diff)) : null,
      KV.section("Code", KV.pre(p.code, "code program-code")),
      Object.keys(r.artifacts).length ? KV.section("Artifacts", Object.entries(r.artifacts).map(([k, v]) =>
        KV.el("div", { class: "artifact" }, KV.el("h3", {}, k), KV.pre(v, "code artifact")))) : null,
      p.llm_calls.length ? KV.section("LLM calls that made it", p.llm_calls.map(KV.llmCallView)) : null,
      p.children.length ? KV.section(`Children (${p.children.length})`, KV.programTable(name, p.children, "children")) : null);
  },
});

// The tree around a line of descent: the line is a spine from the initial program (top) to the
// program (bottom); each program on it shows its other children as dots colored by score.
KV.lineageTree = function (name, d) {
  const line = d.ancestry.slice().reverse();
  const onLine = new Set(line.map((p) => p.id));
  const kids = new Map();
  for (const c of d.children) {
    if (onLine.has(c.id)) continue;
    if (!kids.has(c.parent_id)) kids.set(c.parent_id, []);
    kids.get(c.parent_id).push(c);
  }
  const scores = line.concat(d.children).filter((p) => p.valid).map((p) => p.score);
  const [lo, hi] = KV.extent(scores, 0);
  const row = 26;
  const perRow = 60;
  const W = 130 + perRow * 18;
  const H = 16 + line.length * row;
  const root = KV.svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "tree", id: "lineage-tree", width: W, height: H });
  const color = (p) => (p.valid ? KV.heat((p.score - lo) / (hi - lo || 1)) : "#d4d4d4");
  const go = (p) => () => { location.hash = KV.route("run", name, "program", p.id); };
  line.forEach((p, i) => {
    const y = 12 + i * row;
    if (i > 0) root.append(KV.svg("line", { x1: 60, x2: 60, y1: y - row, y2: y, class: "edge" }));
    const siblings = kids.get(p.id) || [];
    siblings.slice(0, perRow).forEach((c, k) => {
      const x = 110 + k * 18;
      root.append(KV.svg("line", { x1: 60, y1: y, x2: x, y2: y + row / 2, class: "edge faint" }),
        KV.svg("circle", { cx: x, cy: y + row / 2, r: 6, fill: color(c), class: "node", onclick: go(c) },
          KV.svg("title", {}, `program ${c.id}: ${c.valid ? KV.num(c.score) : c.failure}`)));
    });
    if (siblings.length > perRow) {
      root.append(KV.svg("text", { x: 110 + perRow * 18, y: y + row / 2 + 4, class: "tick" }, `+${siblings.length - perRow}`));
    }
    root.append(KV.svg("circle", { cx: 60, cy: y, r: 8, fill: color(p), class: "node spine", onclick: go(p) },
      KV.svg("title", {}, `program ${p.id}: ${p.valid ? KV.num(p.score) : p.failure}`)),
    KV.svg("text", { x: 8, y: y + 4, class: "tick" }, `#${p.id}`));
  });
  return root;
};

KV.pages.lineage = (name, id) => ({
  title: `${name}: lineage of ${id}`,
  live: false,
  async load() {
    let target = id;
    if (id === "best") {
      const s = await KV.api("runs", name, "summary");
      if (!s.best) return { empty: true };
      target = s.best.id;
    }
    return KV.api("runs", name, "lineage", target, { depth: 300 });
  },
  render(d) {
    if (d.empty) return KV.el("div", {}, KV.el("h1", {}, name), KV.runNav(name, "lineage of the best"),
      KV.el("p", { class: "note" }, "No valid program yet."));
    const rows = d.ancestry.map((p, i) => {
      const parent = d.ancestry[i + 1];
      const delta = parent && p.valid && parent.valid ? p.score - parent.score : null;
      return { ...p, delta };
    });
    return KV.el("div", {},
      KV.el("h1", {}, `lineage of program ${d.id}`, d.id === d.best_id ? " (the best)" : ""),
      KV.runNav(name, "lineage of the best"),
      KV.el("p", { class: "note" }, `${d.ancestry.length} programs on the line of descent`, d.ancestry_cut ? " (older ones cut)" : "",
        `; ${d.children.length} children of programs on the line`, d.children_cut ? " (more not shown)" : "", "."),
      KV.section("Tree around it (oldest at the top; dots are other children, darker is better)",
        KV.el("div", { class: "figure" }, KV.lineageTree(name, d))),
      KV.section("Ancestry", KV.table([
          { label: "program", get: (p) => KV.link(`#${p.id}`, "run", name, "program", p.id) },
          { label: "gen", cls: "n", get: (p) => p.generation },
          { label: "score", cls: "n", get: (p) => (p.valid ? KV.num(p.score) : KV.el("span", { class: "fail" }, p.failure)) },
          { label: "Δ parent", cls: "n", get: (p) => (p.delta === null ? "" : (p.delta >= 0 ? "+" : "") + KV.num(p.delta, 4)) },
          { label: "origin", get: (p) => p.origin },
          { label: "edit", get: (p) => KV.el("code", {}, p.edit_summary) },
        ], rows, { id: "ancestry" })));
  },
});
