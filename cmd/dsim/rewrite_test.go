package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dsim rewrite with a plan prints a program that vets and that dsim check
// accepts; -o writes the same text; --check reports each step's verdict.
func TestRewritePlanAndCheck(t *testing.T) {
	code, out, errOut := runCLI("rewrite", "corpus/hashset/base.ded", "--plan", "corpus/plans/hashset-fig2.plan")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "component collector refines leader {")
	assert.Contains(t, out, "# redirection (mutually independent decoupling, §3.1, App. A.1): fromStorage now goes to collector.")

	dir := t.TempDir()
	file := filepath.Join(dir, "fig2.ded")
	code, _, errOut = runCLI("rewrite", "corpus/hashset/base.ded", "--plan", "corpus/plans/hashset-fig2.plan", "-o", file)
	require.Equal(t, 0, code, errOut)
	written, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, out, string(written))

	code, _, errOut = runCLI("vet", file)
	assert.Equal(t, 0, code, errOut)
	code, _, errOut = runCLI("fmt", "--list", file)
	assert.Equal(t, 0, code, errOut)

	code, _, errOut = runCLI("rewrite", "corpus/hashset/base.ded", "--check", "--runs", "3", "--inputs", "2",
		"drop leader : bad_cert_and_inconsistent", "functional leader -> broadcaster : toStorage")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "step 1 (drop leader : bad_cert_and_inconsistent): Equivalent")
	assert.Contains(t, errOut, "step 2 (functional leader -> broadcaster : toStorage): Equivalent")
	assert.Contains(t, errOut, "3 runs (seeds 0..2, 2 requests each")
}

// A refused step exits 1 with the positioned refusal, the source line and
// the hint; a later step's position names the intermediate program PROG~k.
func TestRewriteRefusal(t *testing.T) {
	code, out, errOut := runCLI("rewrite", "corpus/hashset/base.ded", "functional storage -> counter : collisions numCollisions fromStorage")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "corpus/hashset/base.ded:80:3: functional decoupling: rule at corpus/hashset/base.ded:80:3 joins 2 IDB relations, hashed and hashset; C2 must be stateless (§3.3, App. A.3)")
	assert.Contains(t, errOut, "hint: ")

	code, _, errOut = runCLI("rewrite", "corpus/hashset/base.ded", "mutual leader -> collector : acks numNodes numAcks certificate inconsistent bad_forged_ack bad_cert_and_inconsistent",
		"monotonic collector -> proxy : inconsistent")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "corpus/hashset/base.ded~1:")
	assert.Contains(t, errOut, "reads inconsistent, which C2 derives")

	code, _, errOut = runCLI("rewrite", "corpus/hashset/base.ded", "reshard leader")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, `unknown rewrite "reshard"`)
}

// dsim analyze lists the steps whose preconditions hold.
func TestAnalyze(t *testing.T) {
	code, out, errOut := runCLI("analyze", "corpus/hashset/fig4-functional.ded")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "co-hashing:     cohash proxy # by acksFwd(v), proxyAcks(v)")
	assert.Contains(t, out, "dependencies:   deps storage # by ")
	assert.True(t, strings.HasPrefix(out, "component leader[1] refines leader\n"), out)
}

// The Paxos plan applies with --check (each step Equivalent to its input),
// and the acceptor partitions without seal= are refused with their reason
// (the p1b reports the size of the whole log, which no partition knows
// unless the sealed reply combines the partitions' parts).
func TestRewritePaxosPlan(t *testing.T) {
	code, out, errOut := runCLI("rewrite", "corpus/paxos/base.ded", "--plan", "corpus/plans/paxos-scalable.plan",
		"--check", "--runs", "2", "--inputs", "2", "--max-time", "100")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "component p2aProxy[4] refines proposer {")
	assert.Contains(t, errOut, "step 1 (split proposer : p2a): Equivalent")
	assert.Contains(t, errOut, "step 3 (cohash p2aProxy partitions=2 key=p2aOutFwd.slot): Equivalent")
	assert.Contains(t, out, "component p2bProxy[4] refines proposer {")
	assert.Contains(t, errOut, "step 4 (asymmetric proposer -> p2bProxy : p2bs accepts chosenNow decidedHere chosen decided partitions=2 key=p2b.slot): Equivalent")
	assert.Contains(t, out, "component acceptor[6] refines acceptor {")
	assert.Contains(t, errOut, "step 5 (partial acceptor : p1a seal=p1b seal=p1bLog): Equivalent")

	code, _, errOut = runCLI("rewrite", "corpus/paxos/base.ded", "partial acceptor : p1a")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "partitioned aggregate: rule at corpus/paxos/base.ded:244:3 reads logSize, the count over the partitioned accepted, outside a reply sealed with seal= (p1b is not)")
}
