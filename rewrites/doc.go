// Package rewrites is dsim's rewrite engine: the analyses and mechanisms of
// the paper's decoupling (§3, report App. A) and partitioning (§4, App. B)
// rewrites, applied to an analysed program and producing a new program in
// the same language (docs/REWRITES.md).
//
// Each rewrite is a precondition check over an analysis.Program followed by
// a mechanism that edits the program's syntax tree; the edited tree is
// printed in `dsim fmt` form and analysed again, so every output vets. A
// precondition that fails is a Refusal: a positioned diagnostic naming the
// rewrite, the precondition, the rule and the relation that break it, with
// a hint.
//
// Files: one per analysis (vocab.go, independence.go, monotone.go,
// functional.go, statemachine.go, fd.go, cohash.go, partial.go,
// entangle.go), one per
// mechanism (redirect.go, decouple.go, smdecouple.go, asymmetric.go, partition.go,
// partialpart.go, seal.go, pseal.go, drop.go), batching (batch.go), shared tree
// edits (edit.go, exprs.go), refusals (refuse.go), the plan format and step
// application (plan.go) and the per-component report of `dsim analyze`
// (report.go). Everything that reaches output is sorted or in source order.
package rewrites
