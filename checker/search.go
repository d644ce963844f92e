package checker

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the search for a run of the original that explains a
// run of the rewrite (docs/CHECKING.md, "The search"). Runs of the original
// are executed by sim with a Decide hook that takes each choice from the
// current branch; a Step hook prunes a branch as soon as the observable
// history rules it out, memoises the states between virtual times and
// keeps snapshots, so that a later branch resumes from the deepest
// snapshot before the choice it changes instead of re-executing the
// original from time 0 (Options.NoResume keeps the re-execution, the
// reference the tests compare with).

// failKind says why a branch of the search failed.
type failKind uint8

const (
	// failLate: an output the rewrite delivered was not emitted in time.
	failLate failKind = iota
	// failUnexpected: the original emitted an output the rewrite never delivered.
	failUnexpected
	// failViolation: the original's run violated one of its invariants.
	failViolation
	// failNoViolation: the rewritten run stopped on a violation, and the
	// original's run reached that time without violating the same-named
	// invariant.
	failNoViolation
)

var failKindNames = [...]string{"late", "unexpected", "violation", "no violation"}

func (k failKind) String() string { return failKindNames[k] }

// failure is why one branch could not explain the rewritten run.
type failure struct {
	kind failKind
	fact value.Fact
	time int64 // virtual time at which the branch failed
}

// branchEnd stops a re-executed run early; it never escapes the search.
type branchEnd struct {
	fail  *failure  // a failure, or nil for a memo hit
	bound string    // a search bound was hit
	limit sim.Bound // which one
}

func (e *branchEnd) Error() string { return "branch ended" }

// alt is one alternative decision for a choice.
type alt struct {
	drop  bool
	delay int64
	pick  int
	perm  []int
}

type frame struct {
	alts []alt
	cur  int
	time int64 // when the choice was made
	send bool  // a message's delivery (backjump.go)

	// Dead-branch pruning (deadbranch.go): hz is the largest cutoff of
	// the branches ended under the current alternative, hzAll that of
	// the alternatives done before it, inv the least horizon by which a
	// done alternative was invisible (hzAny: none), states the memoised
	// states reached right after this choice under the current
	// alternative.
	hz, hzAll, inv int64
	states         []sim.Fingerprint
}

// searchResult is the outcome of one search.
type searchResult struct {
	verdict  Verdict
	witness  *sim.Schedule
	omitted  sim.Workload // inputs the witness's faulty nodes omitted to receive
	found    string       // which stage found the witness: refinement map, eager, search
	stage    Stage        // that stage, typed
	guide    string       // the guide whose run it was (policy.guideName), "" for the refinement map's own
	esc      Escalation   // and whether an escalated pass found it
	bound    string       // for Unknown: the bound hit and how to raise it
	limit    sim.Bound    // for Unknown: the bound hit, typed (NoBound if none applies)
	states   int          // distinct states memoised
	branches int          // runs of the original executed
	dead     int          // alternatives skipped as dead (deadbranch.go)
	guided   int64        // the largest delay beyond the contiguous range an alternative of the DFS gave a message (Delays.Guided)
	best     *failure
	furthest *furthestBranch // the decisions of the branch best came from
	reasons  map[string]*reasonCount
}

type reasonCount struct {
	failure
	n int
}

// policy says who makes the choices of a branch.
type policy uint8

const (
	policyDFS           policy = iota // the DFS stack
	policyState                       // the state guide (first adoption), then the refinement map
	policyStateLast                   // the state guide (last adoption), then the refinement map
	policyStateDerived                // the derived state guide (stateguide.go), then the refinement map
	policyResponse                    // the response guide (responseguide.go), then the refinement map
	policyResponseLast                // the response guide and the refinement map, each by the last piece
	policyResponseState               // the earliest of the response guide's and the reachable state's delivery (responseguide.go)
	policyResponseTick                // the response guide over every fact a piece derived in a tick (tickguide.go)
	policyEager                       // every delay 1, no loss, first choices
)

// guide says whether p is one of the guides stateAlt decides for.
func (p policy) guide() bool { return p > policyDFS && p < policyEager }

// guideNames name the guides in reports (RunReport.Guide), by policy.
var guideNames = [...]string{
	policyState:         "state guide",
	policyStateLast:     "state guide, last adoption",
	policyStateDerived:  "derived state guide",
	policyResponse:      "response guide",
	policyResponseLast:  "response guide, last piece",
	policyResponseState: "response or state guide",
	policyResponseTick:  "in-tick response guide",
}

// guideName is the name of p when it is a guide, else "" (the refinement
// map's own branch, the DFS, the eager schedule).
func (p policy) guideName() string {
	if !p.guide() {
		return ""
	}
	return guideNames[p]
}

type searcher struct {
	prog *analysis.Program
	tgt  *target
	opts Options
	cfg  sim.Config

	stack   []frame
	pos     int
	diverge int
	memo    bool
	mode    policy
	visited map[sim.Fingerprint]int64 // each memoised state's horizon (deadbranch.go)

	emitted  []bool
	emitHash sim.Fingerprint // commutative sum of the emitted facts' digests
	next     int             // facts before next (by arrival) were checked as emitted

	// Resumption (Options.NoResume off): snaps holds, by increasing pos,
	// the latest snapshot taken after each number of choices; a branch
	// that diverges at choice i resumes from the deepest with pos <= i
	// instead of re-executing the original from time 0. nInputs is the
	// number of droppable inputs (the stack's first frames).
	snaps   []snap
	nInputs int
	cache   *sim.TickCache
	factFP  []sim.Fingerprint // factFingerprint of each required output

	incomplete string
	incLimit   sim.Bound // the bound behind incomplete, typed (NoBound: a fixed limit such as maxPermRows)
	deadline   time.Time
	escalated  *escalation // nil for the first search (delays 1..MaxDelay)
	// maxDev > 0: a deviation pass (deviation.go) over branches with at
	// most maxDev deviations; devSeen memoises its states with the
	// deviations left.
	maxDev  int
	devSeen map[sim.Fingerprint]int
	// lead: the guide of a deviation pass's first alternatives
	// (policyDFS: the refinement map's).
	lead policy
	// jumpTo >= 0: the next backtrack changes a choice before it
	// (backjump.go); -1: any.
	jumpTo   int
	res      searchResult
	workload sim.Workload // the current branch's
}

func search(prog *analysis.Program, tgt *target, opts Options, esc *escalation) (searchResult, error) {
	return searchPass(prog, tgt, opts, esc, 0, policyDFS)
}

// searchPass is search, limited to branches with at most maxDev
// deviations when maxDev > 0 (deviation.go); such a pass skips the guided
// runs outside the DFS (the exhaustive search before it tried them) and
// never answers NotEquivalent.
//
// lead, when not policyDFS, is the guide whose decision becomes every
// message's first alternative (deviation.go): the pass then deviates from
// that guide's run rather than the refinement map's.
func searchPass(prog *analysis.Program, tgt *target, opts Options, esc *escalation, maxDev int, lead policy) (searchResult, error) {
	s := &searcher{prog: prog, tgt: tgt, opts: opts, visited: map[sim.Fingerprint]int64{}, diverge: -1, escalated: esc, maxDev: maxDev, jumpTo: -1, lead: lead}
	if maxDev > 0 {
		s.devSeen = map[sim.Fingerprint]int{}
	}
	s.res.reasons = map[string]*reasonCount{}
	for _, f := range tgt.facts {
		s.factFP = append(s.factFP, factFingerprint(f))
	}
	s.cfg = sim.Config{
		Workload: tgt.inputs,
		Faults:   tgt.budget.plan(),
		Limits:   sim.Limits{MaxTime: min(tgt.horizon, opts.Limits.MaxTime)},
		Trace:    sim.TraceOptions{Off: true},
		Decide:   s.decide,
		Step:     s.step,
	}
	if !opts.NoResume {
		s.cache = sim.NewTickCache(0)
		s.cfg.TickCache = s.cache
	}
	ev, err := eval.Compile(prog) // once for every branch's re-execution
	if err != nil {
		return searchResult{}, err
	}
	s.cfg.Evaluator = ev
	if opts.Timeout > 0 {
		s.deadline = time.Now().Add(opts.Timeout)
	}
	// 1. The run the refinement map suggests: the first branch of the DFS,
	// whose first alternatives are the guided decisions.
	s.memo = true
	if done, err := s.branch(StageRefinementMap); done || err != nil {
		return s.res, err
	}
	// 2. The state guide, then the eager schedule (every delay 1, no
	// loss, first choices), outside the DFS; the in-tick response guide
	// last, since it first replays the rewritten run (tickguide.go).
	saved := s.stack
	guides := []policy{policyState, policyStateLast, policyStateDerived, policyResponse, policyResponseLast, policyResponseState, policyEager, policyResponseTick}
	if maxDev > 0 {
		guides = nil
	}
	if opts.NoTickGuide {
		guides = slices.DeleteFunc(slices.Clone(guides), func(p policy) bool { return p == policyResponseTick })
	}
	for _, p := range guides {
		s.memo, s.mode, s.stack = false, p, nil
		name := StageRefinementMap
		if p == policyEager {
			name = StageEagerSchedule
		}
		if done, err := s.branch(name); done || err != nil {
			return s.res, err
		}
	}
	s.stack, s.mode, s.memo = saved, policyDFS, true
	// 3. The bounded, memoised DFS.
	for s.backtrack() {
		if done, err := s.branch(StageSearch); done || err != nil {
			return s.res, err
		}
	}
	if s.incomplete != "" {
		s.res.verdict = Unknown
		s.res.bound, s.res.limit = s.incomplete, s.incLimit
		return s.res, nil
	}
	if maxDev > 0 {
		s.res.verdict = Unknown
		s.res.bound = fmt.Sprintf("no witness deviating from the guided run at %d choice(s) or fewer", maxDev)
		return s.res, nil
	}
	s.res.verdict = NotEquivalent
	return s.res, nil
}

// backtrack moves to the next branch: the deepest choice with an untried
// alternative takes it; the choices after it are forgotten.
func (s *searcher) backtrack() bool {
	hi := len(s.stack)
	if s.jumpTo >= 0 {
		hi = min(hi, s.jumpTo)
		s.jumpTo = -1
	}
	if s.maxDev > 0 {
		return s.backtrackLimited(hi)
	}
	for i := len(s.stack) - 1; i >= 0; i-- {
		s.closeAlt(i)
		f := &s.stack[i]
		if i < hi {
			if k := s.nextAlt(f); k >= 0 {
				f.cur = k
				s.truncate(i)
				return true
			}
		}
		// Exhausted, or passed over by a backjump: its whole subtree
		// is its parent's current one.
		if i > 0 {
			s.stack[i-1].hz = max(s.stack[i-1].hz, f.hzAll)
		}
	}
	return false
}

// truncate forgets the choices after choice i, which just took its next
// alternative.
func (s *searcher) truncate(i int) {
	s.stack = s.stack[:i+1]
	s.diverge = i
	// Snapshots after more than i choices belong to the old branch.
	for len(s.snaps) > 0 && s.snaps[len(s.snaps)-1].pos > i {
		s.snaps = s.snaps[:len(s.snaps)-1]
	}
}

// branch runs the original along the current branch. done reports that
// the search is over (a witness, or a bound hit).
func (s *searcher) branch(stage Stage) (done bool, err error) {
	// Checked here too, not only at each moment (step): with backjumping
	// most branches can end in a decision right after their resume point,
	// before any moment, and a run of such branches would outlast the
	// timeout (a Paxos mutant took 74 s under --timeout 1s).
	if end := s.stopped(); end != nil {
		s.res.verdict = Unknown
		s.res.bound, s.res.limit = end.bound, end.limit
		return true, nil
	}
	s.res.branches++
	s.jumpTo = -1
	var res *sim.Result
	omitted, workload := s.inputs()
	s.workload = workload
	if sn := s.resumePoint(); sn != nil {
		s.pos, s.next, s.emitHash = sn.pos, sn.next, sn.emitHash
		s.emitted = slices.Clone(sn.emitted)
		// The hooks as bound once in s.cfg: a method value here would be
		// two allocations per branch.
		res, err = sim.Resume(sn.world, s.cfg.Decide, s.cfg.Step)
	} else {
		s.pos = s.nInputs
		if s.mode != policyDFS {
			s.pos = 0
		}
		s.next = 0
		s.emitted = make([]bool, len(s.tgt.facts))
		s.emitHash = sim.Fingerprint{}
		cfg := s.cfg
		cfg.Workload = workload
		res, err = sim.Run(s.prog, cfg)
	}
	if err != nil {
		end, ok := err.(*branchEnd) // as the hooks return it; errors.As for a wrapped one
		if !ok && !errors.As(err, &end) {
			return true, err
		}
		if end.bound != "" {
			s.res.verdict = Unknown
			s.res.bound, s.res.limit = end.bound, end.limit
			return true, nil
		}
		if end.fail != nil {
			s.record(*end.fail)
		}
		return false, nil
	}
	if res.Stop.Bounded() {
		s.cut(res.Stop.Message, res.Stop.Bound)
		return false, nil
	}
	if res.Stop.Reason == sim.Violation && !s.tgt.matchesViolation(res.Violations) {
		f := res.Violations[0]
		s.record(failure{kind: failViolation, fact: f.Fact, time: f.Time})
		return false, nil
	}
	if v := s.tgt.violation; v != nil && res.Stop.Reason != sim.Violation {
		s.record(failure{kind: failNoViolation, fact: v.Fact, time: res.Time})
		return false, nil
	}
	for i, ok := range s.emitted {
		if !ok {
			s.record(failure{kind: failLate, fact: s.tgt.facts[i], time: res.Time})
			return false, nil
		}
	}
	s.res.verdict = Equivalent
	s.res.witness = res.Schedule
	s.res.omitted = omitted
	s.res.found, s.res.stage = stage.String(), stage
	s.res.guide = ""
	if stage == StageRefinementMap {
		s.res.guide = s.mode.guideName()
	}
	return true, nil
}

// inputs splits the target's inputs into those the branch omits (the
// stack's first frames decide, for inputs a faulty node may omit) and the
// workload of the original's run, creating those frames on first use.
func (s *searcher) inputs() (omitted, workload sim.Workload) {
	k := 0
	for _, in := range s.tgt.inputs {
		if !s.tgt.budget.allowsInput(in) {
			workload = append(workload, in)
			continue
		}
		drop := false
		if s.mode == policyDFS {
			if k >= len(s.stack) {
				s.stack = append(s.stack, newFrame([]alt{{}, {drop: true}}, in.Time, false))
			}
			f := s.stack[k]
			k++
			drop = f.alts[f.cur].drop
		}
		if drop {
			omitted = append(omitted, in)
		} else {
			workload = append(workload, in)
		}
	}
	if s.mode == policyDFS {
		s.nInputs = k
	}
	return omitted, workload
}

// snap is a snapshot of the original's run with the searcher's state at
// that moment: the choices made before it and the outputs checked.
type snap struct {
	world    *sim.Snapshot
	pos      int
	next     int
	emitted  []bool
	emitHash sim.Fingerprint
}

// resumePoint returns the snapshot the current branch resumes from: the
// deepest taken before the choice it diverges at (backtrack dropped the
// later ones), or nil to run from time 0.
func (s *searcher) resumePoint() *snap {
	if s.opts.NoResume || s.mode != policyDFS || len(s.snaps) == 0 {
		return nil
	}
	sn := &s.snaps[len(s.snaps)-1]
	if sn.pos > s.diverge {
		return nil
	}
	return sn
}

// snapshot keeps the moment m of a DFS branch for later branches to
// resume from, if a choice was made since the last snapshot: a later
// moment after the same choices would save only the re-execution of
// choice-free times, which the tick cache makes cheap, and copying the
// world at every time would cost more.
func (s *searcher) snapshot(m sim.Moment) {
	if s.opts.NoResume || s.mode != policyDFS {
		return
	}
	if n := len(s.snaps); n > 0 && s.snaps[n-1].pos == s.pos {
		return
	}
	s.snaps = append(s.snaps, snap{world: m.Snapshot(), pos: s.pos, next: s.next, emitted: slices.Clone(s.emitted), emitHash: s.emitHash})
}

func (s *searcher) record(f failure) {
	c, ok := s.failCutoff(f)
	if ok && s.mode == policyDFS {
		s.irrelevantFrom(c)
	}
	if !ok {
		c = hzAny
	}
	s.endBranch(c)
	if s.res.best == nil || f.time > s.res.best.time {
		fc := f
		s.res.best = &fc
		s.res.furthest = s.branchDecisions()
	}
	k := f.kind.String() + " " + f.fact.String()
	if r, ok := s.res.reasons[k]; ok {
		r.n++
	} else {
		s.res.reasons[k] = &reasonCount{failure: f, n: 1}
	}
}

// cut notes that the search skipped alternatives, so that an exhausted
// search says Unknown rather than NotEquivalent.
func (s *searcher) cut(why string, b sim.Bound) {
	s.endBranch(hzAny) // the skipped alternatives could end any way
	if s.incomplete == "" {
		s.incomplete, s.incLimit = why, b
	}
}

// stopped reports a cancellation or an expired per-run timeout as the end
// of the search; nil while it may go on.
func (s *searcher) stopped() *branchEnd {
	if ctx := s.opts.ctx; ctx != nil && ctx.Err() != nil {
		return &branchEnd{bound: fmt.Sprintf("canceled: %v", context.Cause(ctx)), limit: sim.BoundCanceled}
	}
	if !s.deadline.IsZero() && time.Now().After(s.deadline) {
		return &branchEnd{bound: fmt.Sprintf("timeout: %s per run (%s)", s.opts.Timeout, sim.BoundTimeout.Raise()), limit: sim.BoundTimeout}
	}
	return nil
}

func (s *searcher) step(m sim.Moment) error {
	now := m.Now()
	if end := s.stopped(); end != nil {
		return end
	}
	for ; s.next < len(s.tgt.facts) && s.tgt.arrival[s.next] <= now; s.next++ {
		if !s.emitted[s.next] {
			return &branchEnd{fail: &failure{kind: failLate, fact: s.tgt.facts[s.next], time: now}}
		}
	}
	if !s.memo || s.pos <= s.diverge {
		s.snapshot(m)
		return nil
	}
	f := m.Fingerprint()
	// The emitted outputs are part of the state: mix their sum in.
	h := sim.Fingerprint{Hi: f.Hi ^ s.emitHash.Hi*0x9e3779b97f4a7c15, Lo: f.Lo + s.emitHash.Lo*0xc2b2ae3d27d4eb4f}
	if s.maxDev > 0 {
		if err := s.seenWithin(h); err != nil {
			return err
		}
		s.snapshot(m)
		return nil
	}
	if hz, seen := s.visited[h]; seen {
		s.endBranch(hz)
		return &branchEnd{}
	}
	if len(s.visited) >= s.opts.MaxStates {
		return &branchEnd{bound: fmt.Sprintf("max-states: %d distinct states of the original explored (%s)", s.opts.MaxStates, sim.BoundMaxStates.Raise()), limit: sim.BoundMaxStates}
	}
	s.remember(h)
	s.res.states = len(s.visited)
	s.snapshot(m)
	return nil
}

func (s *searcher) decide(c *sim.Choice) error {
	if c.Kind == sim.ChoiceOutput {
		return s.decideOutput(c)
	}
	switch {
	case s.mode == policyEager:
		applyAlt(eagerAlt(c), c)
		return nil
	case s.mode.guide():
		applyAlt(s.stateAlt(c, s.mode), c)
		return nil
	}
	if s.pos >= len(s.stack) {
		if len(s.stack) >= s.opts.MaxDepth {
			return &branchEnd{bound: fmt.Sprintf("max-depth: a run of the original made more than %d choices (%s)", s.opts.MaxDepth, sim.BoundMaxDepth.Raise()), limit: sim.BoundMaxDepth}
		}
		alts, err := s.alternatives(c)
		if err != nil {
			return err
		}
		s.stack = append(s.stack, frameFor(c, alts))
	}
	f := &s.stack[s.pos]
	s.pos++
	applyAlt(f.alts[f.cur], c)
	return nil
}

// decideOutput checks an output of the original against the target and
// pins its delay so that it reaches the client exactly when the rewrite's
// did (or past the horizon, for an output the horizon hides).
func (s *searcher) decideOutput(c *sim.Choice) error {
	now := c.Time
	i, ok := s.tgt.index[factKey(c.Fact)]
	if !ok {
		if s.tgt.horizon < noHorizon {
			c.Delay = max(1, s.tgt.horizon+1-now)
			return nil
		}
		if s.tgt.budget.allowsOutput(c.From, now) {
			// A faulty node omits to send it: it never arrives.
			c.Delay = max(1, s.cfg.Limits.MaxTime+1-now)
			return nil
		}
		return &branchEnd{fail: &failure{kind: failUnexpected, fact: c.Fact, time: now}}
	}
	at := s.tgt.arrival[i]
	if now >= at {
		if !s.emitted[i] {
			return &branchEnd{fail: &failure{kind: failLate, fact: c.Fact, time: now}}
		}
		c.Delay = 1
		return nil
	}
	c.Delay = at - now
	if !s.emitted[i] {
		s.emitted[i] = true
		s.emitHash = addFP(s.emitHash, s.factFP[i])
	}
	return nil
}

// factFingerprint digests a required output fact (two FNV-64a lanes
// with different offsets), for the sum of the emitted ones.
func factFingerprint(f value.Fact) sim.Fingerprint {
	k := []byte(factKey(f))
	a, b := fnv.New64a(), fnv.New64a()
	a.Write(k)
	b.Write([]byte{0xa5})
	b.Write(k)
	return sim.Fingerprint{Hi: a.Sum64() | 1, Lo: b.Sum64() | 1}
}

func addFP(a, b sim.Fingerprint) sim.Fingerprint {
	return sim.Fingerprint{Hi: a.Hi + b.Hi, Lo: a.Lo + b.Lo}
}

func applyAlt(a alt, c *sim.Choice) {
	switch c.Kind {
	case sim.ChoiceSend:
		c.Drop, c.Delay = a.drop, a.delay
	case sim.ChoiceChoose, sim.ChoiceFaulty:
		c.Pick = a.pick
	case sim.ChoiceOrder:
		c.Perm = slices.Clone(a.perm)
	case sim.ChoiceJitter, sim.ChoiceIdle:
		c.Delay = a.delay
	}
}

func eagerAlt(c *sim.Choice) alt {
	switch c.Kind {
	case sim.ChoiceSend:
		return alt{delay: 1}
	case sim.ChoiceOrder:
		return alt{perm: identity(c.N)}
	}
	return alt{}
}

// maxPermRows bounds the index() orders explored: all orders of up to this
// many rows; beyond it only the sorted order (and the search is marked
// incomplete).
const maxPermRows = 4

func (s *searcher) alternatives(c *sim.Choice) ([]alt, error) {
	switch c.Kind {
	case sim.ChoiceSend:
		var out []alt
		canDrop := s.tgt.budget.allows(c.From, c.To, c.Time)
		g, gdrop, ok := s.tgt.guided(c.From, c.To, c.Fact, c.Time)
		if ok && gdrop && !canDrop {
			ok = false
		}
		if ok {
			out = append(out, alt{drop: gdrop, delay: g})
		}
		top, late := s.sendDelays(c.Time)
		st, sok := s.tgt.settledAt(c.To, c.Fact, c.Time, false)
		if sok && (!ok || gdrop || st != g) && st > top && st != late {
			out = append(out, alt{delay: st})
		}
		for d := int64(1); d <= top; d++ {
			if !ok || gdrop || d != g {
				out = append(out, alt{delay: d})
			}
		}
		if late > 0 && (!ok || gdrop || late != g) {
			out = append(out, alt{delay: late})
		}
		if canDrop && !(ok && gdrop) {
			out = append(out, alt{drop: true})
		}
		if s.lead != policyDFS {
			out = leadWith(s.stateAlt(c, s.lead), out)
		}
		for _, a := range out {
			if !a.drop && a.delay > top && a.delay != late {
				s.res.guided = max(s.res.guided, a.delay)
			}
		}
		return out, nil
	case sim.ChoiceChoose:
		out := make([]alt, c.N)
		for i := range out {
			out[i] = alt{pick: i}
		}
		return out, nil
	case sim.ChoiceOrder:
		if c.N > maxPermRows {
			s.cut(fmt.Sprintf("index() numbered %d rows; only the sorted order of more than %d rows is explored", c.N, maxPermRows), sim.NoBound)
			return []alt{{perm: identity(c.N)}}, nil
		}
		var out []alt
		sim.EachPermutation(identity(c.N), 0, func(p []int) { out = append(out, alt{perm: slices.Clone(p)}) })
		return out, nil
	case sim.ChoiceJitter:
		j := int64(0)
		if r := s.prog.Relation(c.Fact.Rel); r != nil && r.Timer != nil {
			j = r.Timer.Jitter
		}
		out := []alt{{delay: 0}}
		for d := int64(1); d <= j; d++ {
			out = append(out, alt{delay: -d}, alt{delay: d})
		}
		return out, nil
	case sim.ChoiceIdle, sim.ChoiceFaulty:
		return []alt{{}}, nil
	}
	return nil, fmt.Errorf("checker: unexpected %s choice in a run of the original: %s", c.Kind, c.Key())
}

// leadWith puts a first among the alternatives out (once).
func leadWith(a alt, out []alt) []alt {
	res := append(make([]alt, 0, len(out)+1), a)
	for _, o := range out {
		if o.drop != a.drop || (!o.drop && o.delay != a.delay) {
			res = append(res, o)
		}
	}
	return res
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// stateAlt is the state guide's decision: deliver a message when the
// receiver's pieces adopted its tuple as state in the rewritten run, if
// that is later than the same message's delivery there; else as the
// refinement map suggests; else after 1.
func (s *searcher) stateAlt(c *sim.Choice, p policy) alt {
	if c.Kind != sim.ChoiceSend {
		return eagerAlt(c)
	}
	g, gdrop, ok := s.tgt.guided(c.From, c.To, c.Fact, c.Time)
	if ok && gdrop && !s.tgt.budget.allows(c.From, c.To, c.Time) {
		ok = false
	}
	st, sok := s.tgt.settledAt(c.To, c.Fact, c.Time, p == policyStateLast)
	switch p {
	case policyStateDerived:
		st, sok = s.tgt.settledDerivedAt(c.To, c.Fact, c.Time)
	case policyResponseState:
		return s.responseStateAlt(c, g, gdrop, ok)
	case policyResponseTick:
		r, rok, reacts := s.tgt.tickRespondedAt(c.To, c.Fact, c.Time)
		return s.responseAlt(c, r, rok, reacts, g, gdrop, ok)
	case policyResponse, policyResponseLast:
		last := p == policyResponseLast
		if l, lok := s.tgt.deliveredLast(c.From, c.To, c.Fact, c.Time); last && lok && ok && !gdrop {
			g = l
		}
		r, rok, reacts := s.tgt.respondedAt(c.To, c.Fact, c.Time, last)
		return s.responseAlt(c, r, rok, reacts, g, gdrop, ok)
	}
	if sok && (!ok || gdrop || st > g+1) {
		return alt{delay: st}
	}
	if ok {
		return alt{drop: gdrop, delay: g}
	}
	return alt{delay: 1}
}
