// Package dsimtest runs dsim inside a user's own go test, in the style of
// net/http/httptest and testing/fstest: small helpers that take a
// *testing.T and fail it with the report's text.
//
//   - Explore(t, prog, opts) explores seeded schedules (sim.Explore) and
//     fails with the shrunk reproducer of the first failing run.
//   - Check(t, original, rewritten, opts) checks refinement
//     (checker.Check) and fails with the counterexample when the rewrite
//     is NotEquivalent.
//   - FuzzSchedules(f, prog, spec) lets `go test -fuzz` choose a run's
//     message delays, losses, duplicates and the language's choices from
//     the fuzzer's bytes: every byte string is a valid schedule.
//
// A failure found by Explore or Check is written under the test's
// testdata/dsimtest/<TestName>/ and replayed first on the next go test, as
// rapid does with its failure files, so that a found bug keeps failing
// the test (cheaply) until it is fixed; delete the file once it passes.
// FuzzSchedules' failures are the fuzzer's own testdata/fuzz files.
package dsimtest
