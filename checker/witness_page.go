package checker

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file keeps the original's run that got furthest explaining a
// NotEquivalent run, so that --save-witness can draw it beside the
// rewritten run: the search notes the decisions of the branch its best
// failure came from, and replayFurthest re-runs that branch with a trace.

// furthestBranch is what replays a branch of the search: its policy, its
// workload (after the inputs it omits) and, for the DFS, its decisions in
// order.
type furthestBranch struct {
	mode     policy
	workload sim.Workload
	alts     []alt
}

// branchDecisions captures the current branch up to the current choice.
func (s *searcher) branchDecisions() *furthestBranch {
	fb := &furthestBranch{mode: s.mode, workload: slices.Clone(s.workload)}
	if s.mode == policyDFS {
		lo := min(s.nInputs, s.pos, len(s.stack))
		for _, f := range s.stack[lo:min(s.pos, len(s.stack))] {
			fb.alts = append(fb.alts, f.alts[f.cur])
		}
	}
	return fb
}

// replayFurthest re-runs the original along the branch that got furthest,
// with a trace, until the time it failed. Outputs the target does not
// expect are let through (the failed branch stopped there), so the trace
// shows them. It returns nil when there is no such branch or the replay
// fails.
func replayFurthest(prog *analysis.Program, tgt *target, opts Options, sr searchResult) *sim.Trace {
	if res := replayFurthestRun(prog, tgt, opts, sr, false); res != nil {
		return res.Trace
	}
	return nil
}

// replayFurthestRun is replayFurthest's run; with dump, every tick's facts
// are in the trace (for the derivations of derive.go).
func replayFurthestRun(prog *analysis.Program, tgt *target, opts Options, sr searchResult, dump bool) (out *sim.Result) {
	fb, best := sr.furthest, sr.best
	if fb == nil || best == nil {
		return nil
	}
	// The drawing is an aid: a replay that goes wrong must not fail the check.
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	s := &searcher{prog: prog, tgt: tgt, opts: opts, mode: fb.mode, diverge: -1}
	s.emitted = make([]bool, len(tgt.facts))
	for _, f := range tgt.facts {
		s.factFP = append(s.factFP, factFingerprint(f))
	}
	next := 0
	decide := func(c *sim.Choice) error {
		if c.Kind == sim.ChoiceOutput {
			if err := s.decideOutput(c); err != nil || c.Delay < 1 {
				c.Delay = 1
			}
			return nil
		}
		switch {
		case fb.mode.guide():
			applyAlt(s.stateAlt(c, fb.mode), c)
		case fb.mode == policyDFS && next < len(fb.alts):
			applyAlt(fb.alts[next], c)
			next++
		default:
			applyAlt(eagerAlt(c), c)
		}
		return nil
	}
	cfg := sim.Config{
		Workload: fb.workload,
		Faults:   tgt.budget.plan(),
		Limits:   sim.Limits{MaxTime: min(tgt.horizon, opts.Limits.MaxTime, max(best.time, 0))},
		Decide:   decide,
	}
	if dump {
		cfg.Trace.Dump = []string{"*"}
	}
	s.cfg = cfg
	res, err := sim.Run(prog, cfg)
	if err != nil || res.Trace == nil {
		return nil
	}
	return res
}

// LaneMap maps a rewritten node's address ("storage[3]") to the
// original's node it stands for through the refinement map ("storage[1]"),
// for drawing both runs side by side; "" for a name it does not know.
func (rep *Report) LaneMap() func(string) string {
	if rep.orig == nil || rep.rew == nil {
		return nil
	}
	m, err := newRefinementMap(rep.orig, rep.rew)
	if err != nil {
		return nil
	}
	return func(name string) string {
		comp, rest, ok := strings.Cut(name, "[")
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		if !ok || err != nil || !strings.HasSuffix(rest, "]") {
			return ""
		}
		if _, known := m.compOf[comp]; !known {
			return ""
		}
		return m.node(value.Addr{Comp: comp, Instance: n}).String()
	}
}
