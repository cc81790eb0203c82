# Writes the case-study report of one selector's choices. Run by `report`:
#   awk -v TABLE=... -v SPLIT=... -v BASELINE=... -v CHOICES=... -v OUT=dir -v EVALS=n
#       -v WALL=s -f common.awk -f report.awk
# Produces OUT/report.md (held-out per-shape table and the geomeans) and OUT/summary.json.
function us(x) { return sprintf("%.1f", x) }

function row_for(sel, key) { return tm(key, sel[key]) }

BEGIN {
  TREE_DEPTH = 4
  load()
  for (i = 1; i <= S; i++) {
    why = unusable(i, choice[skey[i]])
    if (why != "") { print "report: the selector's choice for " skey[i] " cannot run: " why > "/dev/stderr"; exit 1 }
  }
  build_references()
  for (i = 1; i <= S; i++) ref_base[skey[i]] = base[skey[i]]
  split("train heldout", sets, " ")
  for (s = 1; s <= 2; s++) {
    w = sets[s]
    summarize(choice, w, ev); summarize(ref_tree, w, tr); summarize(ref_single, w, sg)
    summarize(ref_oracle, w, orc); summarize(ref_base, w, bs)
    R[w, "evolved_speedup"] = ev["geo_speedup"]; R[w, "evolved_oracle"] = ev["frac_oracle"]
    R[w, "evolved_regressions"] = ev["regressions"]; R[w, "evolved_worst"] = ev["worst"]
    R[w, "evolved_cublas"] = ev["vs_cublas"]; R[w, "n"] = ev["n"]
    R[w, "tree_speedup"] = tr["geo_speedup"]; R[w, "tree_oracle"] = tr["frac_oracle"]
    R[w, "single_speedup"] = sg["geo_speedup"]; R[w, "single_oracle"] = sg["frac_oracle"]
    R[w, "oracle_speedup"] = orc["geo_speedup"]; R[w, "baseline_oracle"] = bs["frac_oracle"]
    R[w, "baseline_cublas"] = bs["vs_cublas"]; R[w, "oracle_cublas"] = orc["vs_cublas"]
  }
  md = OUT "/report.md"
  print "# GEMM tile heuristic: report" > md
  print "" > md
  printf "Evaluations: %d; wall time: %.0f s. Speedups are geomeans of baseline time / selector time; \"of oracle\" is the geomean of per-shape best time / selector time.\n\n", EVALS, WALL > md
  print "| selector | train speedup | train of oracle | held-out speedup | held-out of oracle |" > md
  print "| --- | ---: | ---: | ---: | ---: |" > md
  printf "| naive baseline | 1.000 | %.3f | 1.000 | %.3f |\n", R["train", "baseline_oracle"], R["heldout", "baseline_oracle"] > md
  printf "| best single config | %.3f | %.3f | %.3f | %.3f |\n", R["train", "single_speedup"], R["train", "single_oracle"], R["heldout", "single_speedup"], R["heldout", "single_oracle"] > md
  printf "| decision tree (depth %d, fitted on train) | %.3f | %.3f | %.3f | %.3f |\n", TREE_DEPTH, R["train", "tree_speedup"], R["train", "tree_oracle"], R["heldout", "tree_speedup"], R["heldout", "tree_oracle"] > md
  printf "| **evolved** | **%.3f** | **%.3f** | **%.3f** | **%.3f** |\n", R["train", "evolved_speedup"], R["train", "evolved_oracle"], R["heldout", "evolved_speedup"], R["heldout", "evolved_oracle"] > md
  printf "| per-shape oracle | %.3f | 1.000 | %.3f | 1.000 |\n\n", R["train", "oracle_speedup"], R["heldout", "oracle_speedup"] > md
  printf "Held out: %d shapes, %d slower than the baseline by more than 2%% (worst %.3fx); evolved vs cuBLAS %.3f (baseline %.3f, oracle %.3f). Train/held-out gap in fraction of oracle: %+.3f. The decision tree fell back to the baseline on %d shapes.\n\n", R["heldout", "n"], R["heldout", "evolved_regressions"], R["heldout", "evolved_worst"], R["heldout", "evolved_cublas"], R["heldout", "baseline_cublas"], R["heldout", "oracle_cublas"], R["train", "evolved_oracle"] - R["heldout", "evolved_oracle"], tree_fallbacks > md
  print "## Held-out shapes (times in microseconds, from the table)" > md
  print "" > md
  print "| M | N | K | regime | origin | baseline | evolved | oracle | best single | tree | cuBLAS | speedup |" > md
  print "| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" > md
  for (i = 1; i <= S; i++) {
    if (ssplit[i] != "heldout") continue
    key = skey[i]
    printf "| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.3f |\n", sm[i], sn[i], sk[i], sregime[i], sorigin[i], us(row_for(ref_base, key)), us(row_for(choice, key)), us(oracle[key]), us(row_for(ref_single, key)), us(row_for(ref_tree, key)), (key in cublas) ? us(cublas[key]) : "-", row_for(ref_base, key) / row_for(choice, key) > md
  }
  close(md)
  js = OUT "/summary.json"
  printf "{\n  \"heldout_geomean_speedup_vs_baseline\": %.6f,\n  \"heldout_fraction_of_oracle\": %.6f,\n  \"heldout_regressions\": %d,\n  \"heldout_worst_speedup_vs_baseline\": %.6f,\n  \"heldout_fraction_of_oracle_decision_tree\": %.6f,\n  \"heldout_fraction_of_oracle_best_single\": %.6f,\n  \"heldout_fraction_of_oracle_baseline\": %.6f,\n  \"heldout_vs_cublas\": %.6f,\n  \"heldout_shapes\": %d,\n", R["heldout", "evolved_speedup"], R["heldout", "evolved_oracle"], R["heldout", "evolved_regressions"], R["heldout", "evolved_worst"], R["heldout", "tree_oracle"], R["heldout", "single_oracle"], R["heldout", "baseline_oracle"], R["heldout", "evolved_cublas"], R["heldout", "n"] > js
  printf "  \"train_geomean_speedup_vs_baseline\": %.6f,\n  \"train_fraction_of_oracle\": %.6f,\n  \"train_fraction_of_oracle_decision_tree\": %.6f,\n  \"train_fraction_of_oracle_best_single\": %.6f,\n  \"train_shapes\": %d,\n  \"train_heldout_gap_fraction_of_oracle\": %.6f,\n  \"evaluations\": %d,\n  \"wall_seconds\": %.1f,\n  \"table\": \"%s\"\n}\n", R["train", "evolved_speedup"], R["train", "evolved_oracle"], R["train", "tree_oracle"], R["train", "single_oracle"], R["train", "n"], R["train", "evolved_oracle"] - R["heldout", "evolved_oracle"], EVALS, WALL, TABLE > js
  close(js)
}
