# Scores a candidate selector's choices (protocol v1 JSON on stdout). Run by `evaluate`:
#   awk -v TABLE=... -v SPLIT=... -v BASELINE=... -v CHOICES=... -v RULES=N -f common.awk -f score.awk
# Fitness: geomean speedup over the naive baseline on the train shapes. Held-out results go to
# hidden_metrics only; metrics and feedback speak of train shapes only.
BEGIN {
  TREE_DEPTH = 4
  load()
  if (S == 0) { print "{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":\"no shape of the split is in the table\"}}"; exit 0 }
  for (i = 1; i <= S; i++) {
    why = unusable(i, base[skey[i]])
    if (why != "") { printf "{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":%s}}\n", json_str("the baseline cannot run shape " skey[i] ": " why "; the table does not fit this task"); exit 0 }
  }
  bad = 0; msg = ""
  for (i = 1; i <= S; i++) {
    why = unusable(i, choice[skey[i]])
    if (why == "") continue
    if (++bad <= 3) msg = msg sprintf("SelectConfig(%d, %d, %d) returned '%s': %s. ", sm[i], sn[i], sk[i], choice[skey[i]], why)
  }
  if (bad) {
    printf "{\"protocol\":1,\"valid\":false,\"artifacts\":{\"feedback\":%s}}\n", json_str(bad " shape(s) got a config the family cannot run: " msg)
    exit 0
  }
  summarize(choice, "train", tr); summarize(choice, "heldout", ho)
  # References shown with every result: the per-shape oracle (fraction 1 by definition), cuBLAS
  # and the best single config. The decision tree (about 0.15 s of awk) is fitted by the report.
  fit_best_single()
  for (i = 1; i <= S; i++) ref_single[skey[i]] = has(skey[i], best_single_cfg) ? best_single_cfg : base[skey[i]]
  summarize(ref_single, "train", rs)
  distinct = 0
  for (i = 1; i <= S; i++) if (ssplit[i] == "train" && !(choice[skey[i]] in used)) { used[choice[skey[i]]] = 1; distinct++ }

  # Feedback for the search: per-regime train speedups and the train shapes furthest from their
  # best config (train data only).
  fb = sprintf("train: geomean %.4fx over the baseline, %.1f%% of the per-shape best. ", tr["geo_speedup"], 100 * tr["frac_oracle"])
  for (i = 1; i <= S; i++) {
    if (ssplit[i] != "train") continue
    r = sregime[i]; key = skey[i]
    rl[r] += log(tm(key, base[key]) / tm(key, choice[key])); rn[r]++
    gap[i] = tm(key, choice[key]) / oracle[key]
  }
  for (r in rn) fb = fb sprintf("%s: %.3fx over %d shapes. ", r, exp(rl[r] / rn[r]), rn[r])
  fb = fb "Largest gaps to the best config: "
  for (w = 1; w <= 5; w++) {
    worst = 0
    for (i = 1; i <= S; i++) if ((i in gap) && !(i in shown) && (worst == 0 || gap[i] > gap[worst])) worst = i
    if (!worst) break
    shown[worst] = 1
    fb = fb sprintf("[%d,%d,%d %s: %.2fx slower than '%s'] ", sm[worst], sn[worst], sk[worst], sregime[worst], gap[worst], oracle_cfg[skey[worst]])
  }

  printf "{\"protocol\":1,\"valid\":true,\"combined_score\":%.6f,", tr["geo_speedup"]
  printf "\"metrics\":{\"train_geomean_speedup_vs_baseline\":%.6f,\"train_fraction_of_oracle\":%.6f,", tr["geo_speedup"], tr["frac_oracle"]
  printf "\"train_regressions\":%d,\"train_worst_speedup\":%.6f,\"train_total_us\":%.3f,\"train_baseline_total_us\":%.3f,", tr["regressions"], tr["worst"], tr["total_us"], tr["base_total_us"]
  printf "\"train_vs_cublas\":%.6f,\"train_shapes\":%d,\"distinct_configs\":%d,", tr["vs_cublas"], tr["n"], distinct
  printf "\"ref_train_best_single_fraction_of_oracle\":%.6f},", rs["frac_oracle"]
  printf "\"features\":{\"distinct_configs\":%d,\"rule_count\":%d},", distinct, RULES + 0
  printf "\"hidden_metrics\":{\"heldout_geomean_speedup_vs_baseline\":%.6f,\"heldout_fraction_of_oracle\":%.6f,", ho["geo_speedup"], ho["frac_oracle"]
  printf "\"heldout_regressions\":%d,\"heldout_worst_speedup\":%.6f,\"heldout_vs_cublas\":%.6f,\"heldout_shapes\":%d},", ho["regressions"], ho["worst"], ho["vs_cublas"], ho["n"]
  printf "\"artifacts\":{\"feedback\":%s}}\n", json_str(fb)
}
