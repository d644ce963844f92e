// Package rewrites is reserved for the paper's rewrite engine: the analyses
// and mechanisms of decoupling and partitioning (../shared/REWRITES.md) that
// turn one analysed program into another and refuse a rewrite whose
// preconditions fail.
//
// It is not implemented yet: no open issue asks for it so far. The corpus
// holds hand-written rewrites (corpus/hashset/fig*.ded, corpus/micro/*),
// and the checker (package checker) verifies them against their originals.
package rewrites
