// Package mutate generates one-change mutants of a Dedalus program, for
// `dsim mutate`: a mutation test of a user's check setup (issue #12).
//
// Generate parses a program and returns, in a deterministic order (the
// order of the program's rules, then of the operators below), every mutant
// that differs from the source when printed in `dsim fmt` form:
//
//	delete        delete a rule
//	drop-litJ     drop body literal J (rules of two or more literals)
//	drop-negJ     drop the negation of body literal J
//	to-next       ":-" becomes ":+"
//	to-sync       ":+" becomes ":-"
//	aggK-F        head aggregate K (count, sum, min or max of one variable) becomes F
//	cmpJ-OP       comparison J's operator becomes OP (boundary and negation flips)
//	arithN-OP     the N-th arithmetic operator of the rule becomes OP
//	dest-COMP     the @ destination names component COMP instead
//	drop-persist  delete a ".persist r" directive or an "r :+ r" rule
//
// A mutant's Name is "rN/OP" (rule N of the file, counted from 1 in source
// order, components included) or "persist-REL/drop-persist" for a
// directive (the second such directive of REL is "persist-REL#2/...");
// names are stable for a given source. Mutants are not vetted
// here: the caller loads each one (analysis.Load) and calls one that fails
// "stillborn". Deps.Reason gives a cheap argument for why a surviving
// mutant may be equivalent (its rule reaches no output); Shapes.Explain
// two static ones over the loaded program: equivalence by delay for a
// ":-" made ":+" (delay.go) and repeat suppression for a weakened guard
// that only stops rows derived before (delay.go, with the keys of fd.go).
// docs/CHECKING.md, "How to read a survivor", states each argument.
package mutate
