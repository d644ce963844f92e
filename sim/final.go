package sim

import (
	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file checks the end-of-run spec (.final relations) when a run of
// the seeded model ends: at quiescence or at the time horizon, every node
// that has not crashed must hold no fact of a .final relation in its last
// tick. A crashed node has no end state, as in the synchronous model
// (sync.go). A run stopped by an invariant or a work bound is not checked:
// it did not end.

// finalReports lists the .final facts of the live nodes, in node order.
func finalReports(prog *analysis.Program, nodes []*node, stop Stop, now int64) []ViolationReport {
	if stop.Reason == Violation || stop.Bounded() {
		return nil
	}
	rels := finalRelations(prog)
	if len(rels) == 0 {
		return nil
	}
	var out []ViolationReport
	for _, n := range nodes {
		if n.crashed {
			continue
		}
		for _, f := range relFacts(n.facts(), rels) {
			out = append(out, ViolationReport{Node: n.addr, Time: now, Fact: f})
		}
	}
	return out
}
