package rewrites

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// stalledReplies runs prog (the sealed report program, replica partitions
// of m originals) and returns the replies that every partition of an
// original applied the write for but the leader never admitted, and
// whether the run quiesced.
func stalledReplies(t *testing.T, prog *analysis.Program, spec sim.Spec, i, m int) (int, bool) {
	t.Helper()
	cfg, err := spec.RunConfig(prog, i)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]int{} // "o/i" -> partitions of o that applied write i
	admitted := map[string]bool{}
	parts := 0
	for _, n := range res.Nodes {
		switch n.Addr.Comp {
		case "replica":
			parts++
			for _, tu := range n.Facts["replicaApplied"] {
				if s := fmt.Sprint(tu[0]); s != "0" {
					applied[fmt.Sprintf("%d/%s", n.Addr.Instance%m, s)]++
				}
			}
		case "leader":
			for _, tu := range n.Facts["reportAdmitted"] {
				admitted[fmt.Sprintf("%v/%v", tu[0], tu[1])] = true
			}
		}
	}
	stalled := 0
	for k, n := range applied {
		if n == parts/m && !admitted[k] {
			stalled++
		}
	}
	return stalled, res.Stop.Reason == sim.Quiescent
}

// TestPartitionedSealingRetransmits: under omission faults, a lost part or
// count of a sealed reply stalls that reply for good unless the partition
// resends it. With the retransmission rules, no run that quiesced leaves a
// reply that every partition answered unadmitted; the same output with
// those rules removed leaves some (so the runs do lose parts, and the
// rules are what recovers them). Refinement cannot show this: a reply lost
// for good is a loss the original's faulty node may show too.
func TestPartitionedSealingRetransmits(t *testing.T) {
	runs := 30
	if *long {
		runs = 200
	}
	_, res, out := applyTestdata(t, "pseal/report.ded", "partial replica : newBallot seal=report")
	var kept []string
	for _, l := range strings.Split(out, "\n") {
		drop := false
		for _, name := range []string{"reportPartSent", "reportPartAcked", "reportPartWaiting", "reportPartFlip", "reportPartGot", "reportPartAck"} {
			if strings.Contains(l, name+"(") || strings.Contains(l, name+"@") || strings.HasSuffix(l, " "+name) {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, l)
		}
	}
	without := load(t, "without.ded", []byte(strings.Join(kept, "\n")))
	faults := faultFreeAndOmission(t)[1]
	spec := sim.Spec{Faults: faults, Seed: 0, Open: 3}
	m := 2 // replica[2] in the input
	stalledWith, stalledWithout, quiet := 0, 0, 0
	for i := 0; i < runs; i++ {
		s, q := stalledReplies(t, res.Program, spec, i, m)
		if !q {
			t.Errorf("run %d with retransmission did not quiesce", i)
			continue
		}
		quiet++
		stalledWith += s
		s, _ = stalledReplies(t, without, spec, i, m)
		stalledWithout += s
	}
	t.Logf("%d runs: replies stalled with retransmission %d, without %d", quiet, stalledWith, stalledWithout)
	if stalledWith > 0 {
		t.Errorf("%d replies stalled despite retransmission", stalledWith)
	}
	if stalledWithout == 0 {
		t.Errorf("no reply stalled without retransmission: the runs lose no part, so the test shows nothing")
	}
}
