// The built-in offline mutator: structural edits inside the EVOLVE-BLOCK regions, without an LLM.
//
// Propose picks 1..cfg.max_edits changes by the cfg weights and returns them as SEARCH/REPLACE
// blocks (edit::FormatSearchReplace), so a proposal travels the same path as an LLM edit:
// edit::ApplyEdit(parent, proposal.edit) applies it, and Propose checks that it does, and that it
// changes the program, before returning it. Kinds:
//   - "literal": a numeric literal is perturbed (relative Gaussian step of cfg.perturb_scale),
//     doubled or halved. An integer stays an integer token and a float keeps its decimal point or
//     exponent and its suffix; values never change sign. A literal annotated on its line with a
//     comment "choices: a, b, c" (any comment syntax) only ever takes another listed value.
//   - "operator": a comparison swaps within its family (< <= > >=, or == !=); template brackets,
//     shifts and arrows are left alone.
//   - "line": a complete statement line is duplicated, deleted, or swapped with the next one.
//   - "crossover": a run of lines where an inspiration's region differs from the parent's
//     (aligned by line similarity) replaces the parent's aligned lines.
// Literals in comments, strings, identifiers (x2) and #include lines are never touched.
//
// Within one proposal, literals and operators on a line an earlier change wrote are left alone
// (so a value never walks away and back). A max_edits below 1 counts as 1.
//
// Pure: the only randomness is `rng`, so the same inputs and Rng state give the same proposal.
// Thread-compatible (each caller passes its own Rng).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/random.h"
#include "core/status.h"

namespace kevolve::mutate {

struct Proposal {
  std::string edit;         // one or more SEARCH/REPLACE blocks
  std::string kind;         // "literal" | "operator" | "line" | "crossover": the first change's
  std::string description;  // e.g. "3.5 -> 4.2 at line 17; swap lines 20 and 21"
};

// Returns a proposal that applies to `parent_code` and changes it, or:
//   FailedPrecondition: nothing inside the regions can be mutated by a kind whose weight is
//     positive (no literal, operator, statement line or usable inspiration), or no tried
//     combination produced an applicable change.
//   InvalidArgument: a weight is negative or not finite, or perturb_scale is negative.
// Line numbers in descriptions are 1-based, counted in the program as earlier changes of the same
// proposal left it.
Result<Proposal> Propose(std::string_view parent_code,
                         const std::vector<std::string>& inspiration_codes,
                         const MutatorConfig& cfg, Rng& rng);

}  // namespace kevolve::mutate
