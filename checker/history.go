package checker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file checks a recorded history (e.g. a real run's, converted by
// realnet.LoadSimHistory) instead of a simulated run of a rewrite
// (docs/CHECKING.md, "Checking a recorded history"). The history plays the
// part of R': its inputs, with their times, become the original's scripted
// inputs; its outputs, with their arrival times, are the obligations. The
// search, the witness verification and the verdicts are Check's.

// CheckHistory searches for a run of original that explains h: the same
// inputs at the same times, every distinct output fact of h emitted no
// later than h first delivered it (delivered exactly then by the
// witness), and, once the original is quiescent, no output fact h never
// delivered (with opts.HistoryOpen: no output fact h never delivered
// that would arrive by h's last event).
//
// A recorded history carries no fault information, so the original's
// fault budget comes from opts.Faults (default: none, a fault-free
// original): listed omission nodes may lose messages up to the clause's
// until=, `omission random f=K` lets every node of the original lose up
// to its until= (the history does not say which K were faulty), a crashed
// node and the nodes on either side of a partition may lose messages for
// the whole run.
//
// Every run of the original is bounded by MaxTime past the history's last
// event (opts.Limits.MaxTime is the slack, default 2000 units). The history is
// not shrunk (it cannot be re-run). The report has one run.
func CheckHistory(original *analysis.Program, h *sim.History, opts Options) (*Report, error) {
	return CheckHistoryContext(context.Background(), original, h, opts)
}

// CheckHistoryContext is CheckHistory under a context (see CheckContext).
func CheckHistoryContext(ctx context.Context, original *analysis.Program, h *sim.History, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	opts.ctx = ctx
	opts.Runs, opts.Shard = 1, Shard{}
	if h == nil {
		return nil, fmt.Errorf("checker: no history")
	}
	m, err := newRefinementMap(original, original)
	if err != nil {
		return nil, err
	}
	tgt, last, err := historyTarget(m, h)
	if err != nil {
		return nil, err
	}
	limit := last + opts.Limits.MaxTime
	if opts.HistoryOpen {
		// Like a rewritten run stopped at its horizon: the original may
		// hold any output back past the last recorded event.
		tgt.horizon = last
	}
	tgt.budget = historyBudget(m, opts.Faults, limit)
	sopts := opts
	sopts.Limits.MaxTime = limit
	r := &RunReport{Faults: opts.Faults, Stop: "recorded history", History: h}
	// An output no run of the original may ever emit decides without a
	// search (docs/CHECKING.md, "Proving an output impossible").
	if off := impossibleOutput(m, opts, tgt, limit, "the history"); off != nil {
		r.Verdict, r.Offense, r.MayDerive = NotEquivalent, off, true
		rep := &Report{Original: original.File.Name, Rewritten: "", History: "history", Options: opts, Runs: []*RunReport{r}}
		rep.summarise()
		return rep, nil
	}
	// No delay escalation here (unlike Check): a recorded history is not
	// the multi-hop rewrite escalation is for, and its searches are larger.
	sr, err := search(original, tgt, sopts, nil)
	if err != nil {
		return nil, fmt.Errorf("searching the original: %w", err)
	}
	r.Delays = Delays{Max: sopts.MaxDelay, Guided: sr.guided, Bound: sim.BoundMaxDelay}
	r.Verdict, r.Bound, r.Limit, r.States, r.Branches, r.Found = sr.verdict, sr.bound, sr.limit, sr.states, sr.branches, sr.found
	if sr.verdict == Unknown {
		r.Bound += r.Delays.unknownNote()
	}
	r.Stage, r.Escalation = sr.stage, sr.esc
	if r.Stage == StageRefinementMap && r.Escalation == NotEscalated {
		// There is no rewritten run to guide the first branch: it is the
		// search's first choices (every delay 1, no loss).
		r.Stage = StageFirstBranch
		r.Found = r.Stage.String()
	}
	r.Reasons = sortedReasons(sr.reasons)
	switch sr.verdict {
	case Equivalent:
		if err := verifyWitness(original, tgt, sr.witness, sr.omitted); err != nil {
			r.Verdict = Unknown
			r.Bound = "the witness found did not survive replay (a checker bug; please report it): " + err.Error()
			break
		}
		r.Witness, r.Omitted = sr.witness, sr.omitted
	case NotEquivalent:
		r.Offense = describeOffense("the history", tgt, sr.best)
	}
	rep := &Report{Original: original.File.Name, Rewritten: "", History: "history", Options: opts, Runs: []*RunReport{r}}
	rep.summarise()
	return rep, nil
}

// historyTarget turns a recorded history into the search's target. It
// returns the time of the history's last event too.
func historyTarget(m *refinementMap, h *sim.History) (*target, int64, error) {
	t := &target{index: map[string]int{}, horizon: noHorizon, guide: map[string][]int64{}, drops: map[string]bool{}, settled: map[string][]int64{}}
	last := int64(0)
	for _, in := range h.Inputs {
		if in.Time < 0 {
			return nil, 0, fmt.Errorf("history input %s has a negative time %d", in.Fact, in.Time)
		}
		last = max(last, in.Time)
	}
	// Outputs are obligations by first arrival: sort a copy by time so
	// that an unsorted (hand-written) history means the same.
	outs := slices.Clone(h.Outputs)
	slices.SortStableFunc(outs, func(a, b sim.HistoryOutput) int {
		if a.Time != b.Time {
			if a.Time < b.Time {
				return -1
			}
			return 1
		}
		return a.Fact.Compare(b.Fact)
	})
	for _, o := range outs {
		if o.Time < 1 {
			return nil, 0, fmt.Errorf("history output %s arrives at time %d; outputs arrive at 1 or later (an output takes at least one time unit)", o.Fact, o.Time)
		}
		last = max(last, o.Time)
		k := factKey(o.Fact)
		if _, ok := t.index[k]; ok {
			continue
		}
		t.index[k] = len(t.facts)
		t.facts = append(t.facts, o.Fact)
		t.arrival = append(t.arrival, o.Time)
	}
	in, err := m.inputs(h)
	if err != nil {
		return nil, 0, err
	}
	t.inputs = in
	return t, last, nil
}

// historyBudget maps a fault plan onto the original's nodes for a history
// check (see CheckHistory): there is no rewritten run to say which nodes
// were faulty, so the plan is read as a statement about the original.
func historyBudget(m *refinementMap, plan sim.FaultPlan, horizon int64) faultBudget {
	b := faultBudget{lossUntil: map[value.Addr]int64{}}
	grant := func(a value.Addr, until int64) {
		o := m.node(a)
		if u, ok := b.lossUntil[o]; !ok || until > u {
			b.lossUntil[o] = until
		}
	}
	for _, o := range plan.Omissions {
		if o.Random > 0 {
			for _, c := range m.orig.Components {
				for i := 0; i < c.Count; i++ {
					grant(value.Addr{Comp: c.Name, Instance: i}, o.Until)
				}
			}
		}
		for _, a := range o.Nodes {
			grant(a, o.Until)
		}
	}
	for _, c := range plan.Crashes {
		grant(c.Node, horizon)
	}
	for _, p := range plan.Partitions {
		for _, a := range append(slices.Clone(p.A), p.B...) {
			grant(a, p.To)
		}
	}
	return b
}

// historyText renders a history check's report for people.
func (rep *Report) historyText() string {
	var b strings.Builder
	o := rep.Options
	// Options, not flags, in library text: dsim's cliText names the flags
	// (--history, dsim replay, --save-witness).
	fmt.Fprintf(&b, "dsim check %s %s %s: %s\n", rep.Original, sim.OptHistory, rep.History, rep.Verdict)
	if len(rep.Runs) == 0 {
		return b.String()
	}
	r := rep.Runs[0]
	in, out := 0, 0
	if r.History != nil {
		in, out = len(r.History.Inputs), len(r.History.Outputs)
	}
	fmt.Fprintf(&b, "  recorded history: %d inputs, %d outputs; original's faults: %s; %d states of the original explored, %d runs\n",
		in, out, o.Faults, r.States, r.Branches)
	switch r.Verdict {
	case Equivalent:
		fmt.Fprintf(&b, "  witness found by: %s\n", r.Found)
		fmt.Fprintf(&b, "  replay the witness: %s %s %s\n", sim.OptReplay, rep.Original, sim.OptWitness)
	case Unknown:
		fmt.Fprintf(&b, "\nundecided: %s\n", r.Bound)
		writeReasons(&b, r.Reasons)
	case NotEquivalent:
		if r.MayDerive {
			b.WriteString("\nno run of the original explains the history (may-derive analysis, no search: no run of the original, under any schedule and faults, emits one of its outputs)\n")
		} else {
			fmt.Fprintf(&b, "\nno run of the original explains the history (search exhaustive within its bounds: %s, losses within the fault budget)\n", r.Delays.text())
		}
		if off := r.Offense; off != nil {
			fmt.Fprintf(&b, "\noffending output (%s): %s\n  %s\n", off.Kind, off.Fact, off.Explanation)
		}
		if len(r.Reasons) > 1 {
			b.WriteString("  branches of the search failed because:\n")
			writeReasons(&b, r.Reasons)
		}
	}
	return b.String()
}
