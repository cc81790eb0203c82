// DOM helpers. Everything a candidate program or a model wrote (code, replies, artifacts, even
// names) reaches the page only as text nodes or attribute values set one by one: this file is
// the only place that creates elements, and it never parses HTML.
"use strict";
const KV = {};

KV.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  KV.setAttrs(node, attrs);
  KV.append(node, children);
  return node;
};

KV.svg = function (tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  KV.setAttrs(node, attrs);
  KV.append(node, children);
  return node;
};

KV.setAttrs = function (node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "onclick") {
      node.addEventListener("click", value);
    } else if (key.startsWith("on")) {
      throw new Error("event attributes are not set from data: " + key);
    } else if (key === "href") {
      node.setAttribute("href", KV.safeHref(String(value)));
    } else {
      node.setAttribute(key, String(value));
    }
  }
};

// Only in-page links and this server's paths.
KV.safeHref = function (href) {
  return href.startsWith("#") || (href.startsWith("/") && !href.startsWith("//")) ? href : "#";
};

KV.append = function (node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

KV.clear = function (node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

// Link to a page of the dashboard; parts are encoded one by one.
KV.route = function (...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(String(p))).join("/");
};
KV.link = function (text, ...parts) {
  return KV.el("a", { href: KV.route(...parts) }, text);
};

KV.api = async function (...parts) {
  let query = "";
  if (parts.length && typeof parts[parts.length - 1] === "object") {
    query = "?" + new URLSearchParams(parts.pop()).toString();
  }
  const path = "/api/" + parts.map((p) => encodeURIComponent(String(p))).join("/") + query;
  const res = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
};

// Formatting. Numbers keep 6 significant digits; the exact value is in data-value.
KV.num = function (x, digits = 6) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString("en-US");
  return Number(x.toPrecision(digits)).toString();
};
KV.pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
KV.money = (x) => (x ? "$" + x.toFixed(x < 1 ? 4 : 2) : "$0");
KV.duration = function (ms) {
  if (!ms || ms < 0) return "0 s";
  if (ms < 1000) return Math.round(ms) + " ms";
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
};
KV.time = (unixMs) => (unixMs ? new Date(unixMs).toISOString().replace("T", " ").slice(0, 19) : "–");

// A labelled figure; `value` goes to data-value so tests can compare exact numbers.
KV.stat = function (id, label, text, value, extra) {
  return KV.el("div", { class: "stat", id: id, "data-value": value === undefined ? null : value },
    KV.el("div", { class: "stat-label" }, label),
    KV.el("div", { class: "stat-value" }, text),
    extra ? KV.el("div", { class: "stat-extra" }, extra) : null);
};

// A table from column specs {label, get(row) -> text or Node, cls}.
KV.table = function (columns, rows, attrs) {
  return KV.el("table", attrs || {},
    KV.el("thead", {}, KV.el("tr", {}, columns.map((c) => KV.el("th", { class: c.cls }, c.label)))),
    KV.el("tbody", {}, rows.map((row) =>
      KV.el("tr", {}, columns.map((c) => KV.el("td", { class: c.cls }, c.get(row)))))));
};

KV.section = function (title, ...children) {
  return KV.el("section", {}, KV.el("h2", {}, title), ...children);
};

KV.pre = (text, cls) => KV.el("pre", { class: cls || "code" }, text);

KV.badge = (state) => KV.el("span", { class: "badge " + state }, state);
