# Shared by score.awk and report.awk: loads the performance table, the split, the baseline's and
# the candidate's choices, and computes speedups, oracle fractions and reference selectors.
# Inputs (in this order on the command line): TABLE SPLIT BASELINE CHOICES.
# Times are the table's median_us; only rows with status "ok" count.

function shape_key(m, n, k) { return m "," n "," k }

# The table's times are filed by config number: t[shape key, cfg_index[config]] (and status[]
# for the rows that did not run); these two read them by config text.
function has(key, config) { return (config in cfg_index) && ((key, cfg_index[config]) in t) }
function tm(key, config) { return t[key, cfg_index[config]] }

function load(    line, a, key, j, p, P) {
  S = 0; C = 0; P = 0
  # The split first, so that the table's rows of split shapes can be filed by number as well
  # (short numeric keys keep the per-config sums below cheap).
  while ((getline line < SPLIT) > 0) {
    if (line ~ /^m,n,k,/ || line ~ /^#/ || line == "") continue
    split(line, a, ",")
    key = shape_key(a[1], a[2], a[3])
    if (key in spos) continue
    spos[key] = ++P; pkey[P] = key; pm[P] = a[1] + 0; pn[P] = a[2] + 0; pk[P] = a[3] + 0
    pregime[P] = a[4]; pfamily[P] = a[5]; psplit[P] = a[6]; porigin[P] = a[7]
  }
  close(SPLIT)
  while ((getline line < TABLE) > 0) {
    if (line ~ /^m,n,k,/ || line ~ /^#/ || line == "") continue
    split(line, a, ",")
    key = shape_key(a[1], a[2], a[3])
    if (a[5] == "cublas") { if (a[9] == "ok") cublas[key] = a[6] + 0; continue }
    if (!(a[5] in cfg_index)) { cfg_index[a[5]] = ++C; cname[C] = a[5] }
    j = cfg_index[a[5]]
    if (a[9] != "ok") status[key, j] = a[9]
    if (a[9] == "ok" && a[6] + 0 > 0) {
      t[key, j] = a[6] + 0
      if (key in spos) tp[spos[key], j] = a[6] + 0
      if (!(key in oracle) || a[6] + 0 < oracle[key]) { oracle[key] = a[6] + 0; oracle_cfg[key] = a[5] }
    }
  }
  close(TABLE)
  for (p = 1; p <= P; p++) {
    key = pkey[p]
    if (!(key in oracle)) continue  # a shape the table does not cover is not scored
    S++; skey[S] = key; snum[S] = p; sm[S] = pm[p]; sn[S] = pn[p]; sk[S] = pk[p]
    sregime[S] = pregime[p]; sfamily[S] = pfamily[p]; ssplit[S] = psplit[p]; sorigin[S] = porigin[p]
  }
  while ((getline line < BASELINE) > 0) {
    split(line, a, ",")
    if (a[4] != "") base[shape_key(a[1], a[2], a[3])] = a[4]
  }
  close(BASELINE)
  while ((getline line < CHOICES) > 0) {
    split(line, a, ",")
    if (a[4] != "") choice[shape_key(a[1], a[2], a[3])] = a[4]
  }
  close(CHOICES)
}

# lv[i, j]: log(oracle / time of config j) on shape i, or the baseline's value where config j
# cannot run on shape i (a reference selector keeps the baseline's fallback there, as any real
# heuristic must). Needed by the references only.
function load_fractions(    i, j, bl) {
  for (i = 1; i <= S; i++) {
    bl = has(skey[i], base[skey[i]]) ? log(oracle[skey[i]] / tm(skey[i], base[skey[i]])) : -1e9
    for (j = 1; j <= C; j++) lv[i, j] = ((snum[i], j) in tp) ? log(oracle[skey[i]] / tp[snum[i], j]) : bl
  }
}

# Why `config` cannot be used on shape i, or "" when it can.
function unusable(i, config,    key) {
  key = skey[i]
  if (config == "") return "no config was returned"
  if (has(key, config)) return ""
  if ((config in cfg_index) && ((key, cfg_index[config]) in status)) return "the table says: " status[key, cfg_index[config]]
  return "the config '" config "' is not in the performance table (not a kernel of the family)"
}

# Summary of the selector `sel` (an array shape key -> config) over the shapes of one split.
# Fills stats[]: n, geo_speedup (vs baseline), frac_oracle, vs_cublas, regressions, worst,
# total_us, base_total_us.
function summarize(sel, which, stats,    i, key, n, ls, lo, lc, nc, tc, tb, r) {
  n = 0; ls = 0; lo = 0; lc = 0; nc = 0
  stats["regressions"] = 0; stats["worst"] = 1e30; stats["total_us"] = 0; stats["base_total_us"] = 0
  for (i = 1; i <= S; i++) {
    if (which != "all" && ssplit[i] != which) continue
    key = skey[i]
    tc = tm(key, sel[key]); tb = tm(key, base[key])
    n++; r = tb / tc
    ls += log(r); lo += log(oracle[key] / tc)
    if (key in cublas) { lc += log(cublas[key] / tc); nc++ }
    if (r < 0.98) stats["regressions"]++
    if (r < stats["worst"]) stats["worst"] = r
    stats["total_us"] += tc; stats["base_total_us"] += tb
  }
  stats["n"] = n
  stats["geo_speedup"] = n ? exp(ls / n) : 1
  stats["frac_oracle"] = n ? exp(lo / n) : 1
  stats["vs_cublas"] = nc ? exp(lc / nc) : 0
}

# The best single config on the train shapes: the one config that, used wherever it runs (the
# baseline's choice elsewhere), has the highest geomean fraction of the oracle. Sets
# best_single_cfg; returns its index.
function fit_best_single(    j, i, s, best, bj) {
  if (!lv_loaded) { load_fractions(); lv_loaded = 1 }
  best = -1e300; bj = 0
  for (j = 1; j <= C; j++) {
    s = 0
    for (i = 1; i <= S; i++) if (ssplit[i] == "train") s += lv[i, j]
    if (s > best) { best = s; bj = j }
  }
  best_single_cfg = bj ? cname[bj] : ""
  return bj
}

# A regression tree fitted directly on the train shapes (the way generated heuristics are made):
# features log2 M, log2 N, log2 K; each leaf picks the config with the best geomean fraction of
# the oracle (the baseline's choice where it cannot run); depth <= TREE_DEPTH, leaves >= 2 shapes.
function feature(i, f) { return f == 1 ? sm[i] : (f == 2 ? sn[i] : sk[i]) }

# Best config over the shape list idx[1..cnt] (with the baseline's fallback where it cannot
# run); returns its index and sets leaf_score to its summed log fraction.
function best_config(idx, cnt,    j, p, s, best, bj) {
  best = -1e300; bj = 0
  for (j = 1; j <= C; j++) {
    s = 0
    for (p = 1; p <= cnt; p++) s += lv[idx[p], j]
    if (s > best) { best = s; bj = j }
  }
  leaf_score = best
  return bj
}

# Fits node `node` over idx[1..cnt]. Tree arrays: tf[node] (feature, 0 = leaf), tt[node]
# (threshold: left when value <= tt), tleaf[node] (config index).
function fit_tree(node, idx, cnt, depth,    f, p, q, tmp, ord, j, pre, tot,
                  lbest, rbest, gain, best_gain, bf, bt, base_j, base_s, left, right, lc, rc, v) {
  base_j = best_config(idx, cnt); base_s = leaf_score
  tleaf[node] = base_j; tf[node] = 0
  if (depth >= TREE_DEPTH || cnt < 4) return
  best_gain = 1e-9; bf = 0
  for (f = 1; f <= 3; f++) {
    for (p = 1; p <= cnt; p++) ord[p] = idx[p]
    for (p = 2; p <= cnt; p++) {  # insertion sort by feature
      tmp = ord[p]; q = p - 1
      while (q >= 1 && feature(ord[q], f) > feature(tmp, f)) { ord[q + 1] = ord[q]; q-- }
      ord[q + 1] = tmp
    }
    for (j = 1; j <= C; j++) {
      tot[j] = 0
      for (p = 1; p <= cnt; p++) { tot[j] += lv[ord[p], j]; pre[j, p] = tot[j] }
    }
    for (p = 2; p <= cnt - 2; p++) {
      if (feature(ord[p], f) == feature(ord[p + 1], f)) continue
      lbest = -1e300; rbest = -1e300
      for (j = 1; j <= C; j++) {
        if (pre[j, p] > lbest) lbest = pre[j, p]
        if (tot[j] - pre[j, p] > rbest) rbest = tot[j] - pre[j, p]
      }
      gain = lbest + rbest - base_s
      if (gain > best_gain) { best_gain = gain; bf = f; bt = feature(ord[p], f) }
    }
  }
  if (!bf) return
  tf[node] = bf; tt[node] = bt
  lc = 0; rc = 0
  for (p = 1; p <= cnt; p++) {
    v = feature(idx[p], bf)
    if (v <= bt) left[++lc] = idx[p]; else right[++rc] = idx[p]
  }
  fit_tree(2 * node, left, lc, depth + 1)
  fit_tree(2 * node + 1, right, rc, depth + 1)
}

# The tree's config for shape i (its leaf's config, or the baseline's where that config cannot
# run on the shape; tree_fallbacks counts those).
function tree_choice(i,    node, cfg) {
  node = 1
  while (tf[node]) node = feature(i, tf[node]) <= tt[node] ? 2 * node : 2 * node + 1
  cfg = tleaf[node] ? cname[tleaf[node]] : ""
  if (cfg == "" || !has(skey[i], cfg)) { tree_fallbacks++; return base[skey[i]] }
  return cfg
}

# Builds the reference selectors: ref_oracle, ref_single, ref_tree (arrays shape -> config).
function build_references(    i, idx, cnt) {
  fit_best_single()
  cnt = 0
  for (i = 1; i <= S; i++) if (ssplit[i] == "train") idx[++cnt] = i
  fit_tree(1, idx, cnt, 0)
  tree_fallbacks = 0
  for (i = 1; i <= S; i++) {
    ref_oracle[skey[i]] = oracle_cfg[skey[i]]
    ref_single[skey[i]] = has(skey[i], best_single_cfg) ? best_single_cfg : base[skey[i]]
    ref_tree[skey[i]] = tree_choice(i)
  }
}

function json_str(s) {
  gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); gsub(/\n/, "\\n", s)
  return "\"" s "\""
}
