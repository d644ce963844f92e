package sim

import (
	"fmt"

	"context"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
)

// This file holds EnumerateOptions.RestCheck: at each new moment of an
// enumeration, every node that sleeps (not crashed, no wake pending now)
// is ticked once more, aside, with nothing delivered; that tick must send,
// output and violate nothing and leave the node's state as it is. The key
// split needs this: in a run merged from several keys' runs a node also
// ticks when another key's message reaches it, and for the key whose part
// of the node sleeps that tick must be nothing (docs/CHECKING.md, "Why
// pruning is sound").

type restKey struct {
	node int
	fp   Fingerprint
}

// EnumeratePart enumerates the runs whose first choice (a faulty-node pick,
// see Parts) takes alternative part, or every run when part < 0.
func EnumeratePart(ctx context.Context, prog *analysis.Program, cfg Config, opts EnumerateOptions, part int) (*EnumerateReport, error) {
	return enumeratePart(ctx, prog, cfg, opts, part, nil)
}

func (e *enumerator) checkRest(m Moment) error {
	w := m.w
	if e.atRest == nil {
		e.atRest = map[restKey]bool{}
		e.restTick = w.tick
		for _, n := range w.nodes {
			e.restNodes = append(e.restNodes, n.evalNode)
		}
	}
	waking := map[int]bool{}
	for i := range w.q.items {
		if ev := &w.q.items[i]; ev.kind == evWake && ev.time == w.now {
			waking[ev.node] = true
		}
	}
	for _, n := range w.nodes {
		if n.crashed || waking[n.idx] {
			continue
		}
		fp := n.fp
		if !w.q.track {
			fp = factSetFingerprint(n.carried())
		}
		k := restKey{n.idx, fp}
		if e.atRest[k] {
			continue
		}
		if why := idleTickEffect(w.tick, w.prog, n.evalNode, n.state, w.lim.MaxFacts); why != "" {
			msg := fmt.Sprintf("%s sleeps at virtual time %d but a tick with nothing delivered is not idle: %s", n.addr, w.now, why)
			return &enumEnd{bound: "not at rest: " + msg, notAtRest: msg}
		}
		e.atRest[k] = true
	}
	return nil
}

// checkRestAtEnd is checkRest for a run that ended quiescent: every node
// sleeps then, and no moment follows for checkRest to see it.
func (e *enumerator) checkRestAtEnd(res *Result) string {
	if res.Stop.Reason != Quiescent || e.restTick == nil {
		return ""
	}
	for i, n := range res.Nodes {
		if n.Crashed || i >= len(e.restNodes) {
			continue
		}
		k := restKey{i, factSetFingerprint(n.Carried)}
		if e.atRest[k] {
			continue
		}
		st, err := e.cfg.Evaluator.NewState(n.Carried)
		if err != nil {
			return err.Error()
		}
		if why := idleTickEffect(e.restTick, e.prog, e.restNodes[i], st, e.cfg.Limits.WithDefaults().MaxFacts); why != "" {
			return fmt.Sprintf("%s sleeps when the run ends at virtual time %d but a tick with nothing delivered is not idle: %s", n.Addr, res.Time, why)
		}
		e.atRest[k] = true
	}
	return ""
}

// idleTickEffect ticks node over state with nothing delivered and says
// what the tick would do ("" when nothing).
func idleTickEffect(tick tickFunc, prog *analysis.Program, node eval.Node, state *eval.State, maxFacts int) string {
	res, err := tick(prog, node, eval.Input{State: state}, eval.FirstChoices{}, eval.Limits{MaxFacts: maxFacts})
	switch {
	case err != nil:
		return err.Error()
	case len(res.Sends) > 0:
		return fmt.Sprintf("it would send %s to %s", res.Sends[0].Fact, res.Sends[0].To)
	case len(res.Outputs) > 0:
		return fmt.Sprintf("it would output %s", res.Outputs[0])
	case len(res.Violations) > 0:
		return fmt.Sprintf("it would violate %s", res.Violations[0])
	case !state.Equal(res.State):
		return "its state would change"
	}
	return ""
}
