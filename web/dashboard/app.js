// The router and the live refresh. Pages come from pages_run.js and pages_program.js.
"use strict";
KV.refreshMs = 2000;

KV.parseHash = function () {
  const [path, queryText] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter((p) => p.length).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(queryText || ""));
  if (parts[0] !== "run" || parts.length < 2) return { page: KV.pages.runs(), crumbs: [] };
  const name = parts[1];
  const crumbs = [[name, KV.route("run", name)]];
  const view = parts[2];
  if (view === "program" && parts[3]) return { page: KV.pages.program(name, parts[3]), crumbs };
  if (view === "lineage" && parts[3]) return { page: KV.pages.lineage(name, parts[3]), crumbs };
  if (view === "programs") return { page: KV.pages.programs(name, query), crumbs };
  if (view === "islands") return { page: KV.pages.islands(name), crumbs };
  if (view === "llm") return { page: KV.pages.llm(name, query), crumbs };
  return { page: KV.pages.run(name), crumbs };
};

KV.current = null;

KV.show = async function (generation) {
  const { page } = KV.current;
  const main = document.getElementById("page");
  try {
    const data = await page.load();
    if (generation !== KV.generation) return;  // the user went elsewhere meanwhile
    const text = JSON.stringify(data);
    if (text === KV.lastData) return;  // nothing new: keep the page (and the scroll) as it is
    KV.lastData = text;
    const scroll = window.scrollY;
    KV.clear(main).appendChild(page.render(data));
    window.scrollTo(0, scroll);
    main.setAttribute("data-route", location.hash || "#/");
  } catch (err) {
    if (generation !== KV.generation) return;
    KV.lastData = null;
    KV.clear(main).appendChild(KV.el("p", { class: "fail", id: "page-error" }, "Could not load: ", String(err.message || err)));
  }
};

KV.navigate = function () {
  KV.generation = (KV.generation || 0) + 1;
  KV.lastData = null;
  clearInterval(KV.timer);
  KV.current = KV.parseHash();
  document.title = `kevolve · ${KV.current.page.title}`;
  const crumbs = KV.clear(document.getElementById("crumbs"));
  for (const [label, href] of KV.current.crumbs) crumbs.append(" / ", KV.el("a", { href }, label));
  const main = document.getElementById("page");
  main.removeAttribute("data-route");
  KV.clear(main).appendChild(KV.el("p", { class: "note" }, "loading…"));
  const generation = KV.generation;
  KV.show(generation);
  const live = document.getElementById("live");
  live.textContent = KV.current.page.live ? "live" : "";
  if (KV.current.page.live) KV.timer = setInterval(() => KV.show(generation), KV.refreshMs);
};

window.addEventListener("hashchange", KV.navigate);
KV.navigate();
