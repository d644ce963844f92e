// Package syntax reads and writes dsim's Dedalus dialect (docs/LANGUAGE.md).
//
// ParseFile lexes and parses one file into the tree of ast.go with a
// hand-written recursive-descent parser. It never panics and never stops at
// the first error: each error becomes a Diagnostic (file:line:col, message,
// hint) and parsing resumes at the next item, with bounds on nesting depth
// (MaxNesting) and on the number of diagnostics (MaxErrors).
//
// Print renders a tree in the canonical layout of `dsim fmt`, and Equal
// compares trees ignoring positions; for every parsed program p,
// ParseFile(Print(p)) is Equal to p and printing it again gives the same
// bytes. Analysis (well-formedness, types, strata) lives in package
// analysis; this package only knows the grammar.
package syntax
