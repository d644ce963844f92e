package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the bounded-exhaustive enumeration of one program's runs
// (`dsim explore --exhaustive`, and the rewrite's side of `dsim check
// --exhaustive`; docs/SEMANTICS.md, "Exhaustive enumeration"). Where a
// seeded run draws each decision, Enumerate makes every decision every
// way the bounds allow, depth first: every delay 1..MaxDelay of every
// message, its loss wherever the fault plan allows one, its duplicate
// (with every delay) where the plan allows one, every faulty-node pick,
// every timer jitter, every choose() row and every index() order.
//
// The moments between virtual times are memoised: a branch that reaches a
// moment whose key an earlier branch reached is cut there, and counts the
// runs below that moment (a moment's future depends only on its key, so
// the runs below are the same runs). The key is the moment's Fingerprint
// (carried facts, crash and idle state, timers, the queue), the set of
// faulty nodes (it decides which later sends may be lost, and a checker
// reads it), and, with Observable, what the run has shown its clients so
// far: each distinct output fact with the time it first arrived, and the
// outputs on their way (Moment.Fingerprint leaves outputs out). Time only
// grows along a branch, so a moment's key is never met again before the
// subtree below it is finished. Later branches resume from snapshots
// (Moment.Snapshot) instead of re-running their prefix, and ticks are
// shared through a TickCache.
//
// Outputs always reach their clients after 1: the enumeration needs an
// open-loop workload (closed-loop clients are refused), so an output's
// delay changes no node, and a later arrival only weakens what a checker
// must explain (docs/CHECKING.md, "Exhaustive checking"). Idle ticks are
// not injected.

// EnumerateOptions bound an enumeration.
type EnumerateOptions struct {
	// MaxDelay: every message is delivered 1..MaxDelay after it is sent
	// (default 3).
	MaxDelay int64
	// MaxStates bounds the distinct moments memoised (default
	// DefaultEnumerateStates; for EnumerateParts, per part); hitting it
	// ends the enumeration incomplete, naming BoundEnumerateStates.
	MaxStates int
	// MaxBranches bounds the branches executed, whether or not they reach
	// a new state (default DefaultEnumerateBranches; for EnumerateParts,
	// per part); hitting it ends the enumeration incomplete, naming
	// BoundEnumerateBranches. MaxStates alone does not bound the work: a
	// branch resumed at the horizon's last moment ends there as a run
	// without a step, so it adds no state, and one moment that sends many
	// messages has the product of their delays as such branches.
	MaxBranches int
	// Observable adds the outputs seen so far to the memo key, for a
	// caller that judges each run by its history (the refinement checker).
	Observable bool
	// NoMemo cuts no branch: every run within the bounds is executed to
	// its end (the brute-force reference the tests compare with).
	NoMemo bool
	// RestCheck checks at every new moment that each sleeping node (no
	// wake pending) could tick again, with nothing delivered, without
	// effect: no sends, outputs or violations, and its state unchanged.
	// The key split (enumerate_split.go) needs it; a node that fails it
	// ends the enumeration incomplete, with NotAtRest set.
	RestCheck bool
	// Abandon, when set and it reports true, ends the enumeration
	// incomplete (a caller running parts at once: an earlier part stopped).
	Abandon func() bool
	// Leaf is called with every run executed to its end, in search order;
	// returning stop ends the enumeration (Stopped), an error aborts it.
	Leaf func(res *Result) (stop bool, err error)
}

// DefaultEnumerateStates is EnumerateOptions.MaxStates's default.
const DefaultEnumerateStates = 1_000_000

// DefaultEnumerateBranches is EnumerateOptions.MaxBranches's default:
// far above what the default state bound costs on the corpus (a few
// branches per state), low enough to stop within minutes.
const DefaultEnumerateBranches = 50_000_000

// maxEnumeratePermRows bounds the index() orders enumerated: every order of
// up to this many rows; a tick numbering more rows ends the enumeration
// incomplete.
const maxEnumeratePermRows = 5

// EnumerateReport is what an enumeration covered.
type EnumerateReport struct {
	// Complete: every run within the bounds was enumerated (no bound was
	// hit and Leaf did not stop it).
	Complete bool
	// Stopped: Leaf stopped the enumeration.
	Stopped bool
	// Bound says which bound made it incomplete ("" when none), Limit the
	// same, typed (NoBound when no option sets it).
	Bound string
	Limit Bound
	// States counts the distinct moments memoised; Runs the runs executed
	// to their end (Leaf calls); Merged the branches cut at a memoised
	// moment; Covered the runs within the bounds the enumeration stands
	// for (a merged branch counts the runs below its moment), saturating
	// at 2^64-1. Choices counts the decisions branched on.
	States, Runs, Merged int
	Covered              uint64
	Choices              int
	// Branches counts the branches executed (runs, merged and cut ones).
	Branches int
	// NotAtRest describes the first sleeping node RestCheck found that a
	// tick would change ("" when none, or RestCheck was off).
	NotAtRest string
	// Hash is a SHA-256 over every memoised moment's key in search order
	// and Covered: two enumerations with the same hash covered the same
	// moments in the same order.
	Hash string
}

// enumEnd stops a branch; it never escapes Enumerate.
type enumEnd struct {
	merged    bool
	notAtRest string
	key       Fingerprint
	bound     string
	limit     Bound
}

func (e *enumEnd) Error() string { return "branch ended" }

type enumAlt struct {
	drop         bool
	delay, dup   int64
	pick         int
	perm         []int
	fixedOutputs bool // an output: delay 1, nothing to branch on
}

type enumFrame struct {
	alts []enumAlt
	cur  int
}

// enumNode is a moment on the current branch whose subtree is not yet
// finished: the runs counted below it so far.
type enumNode struct {
	key   Fingerprint
	pos   int
	count uint64
}

type enumSnap struct {
	world *Snapshot
	pos   int
}

type enumEntry struct {
	count uint64
	done  bool
}

type enumerator struct {
	prog *analysis.Program
	cfg  Config
	opts EnumerateOptions
	ctx  context.Context

	stack   []enumFrame
	pos     int
	diverge int
	path    []enumNode
	root    uint64 // runs counted above the first moment
	snaps   []enumSnap
	memo    map[Fingerprint]enumEntry
	hash    hash.Hash
	rep     EnumerateReport
	part    int         // >= 0: the first choice is fixed to this alternative
	abandon func() bool // nil: never
	// RestCheck's state: the sleeping (node, state) pairs found idle, and
	// what an idle tick needs once the run's world is gone.
	atRest    map[restKey]bool
	restTick  tickFunc
	restNodes []eval.Node
}

// Enumerate runs prog under cfg every way the bounds allow (see the top of
// this file) and calls opts.Leaf with each run executed to its end. cfg
// supplies the workload (open loop), the fault plan, counts and limits;
// its Decide, Step, Script, Seed-drawn decisions, Idle and Closed do not
// apply. The report does not depend on anything but prog, cfg and opts.
func Enumerate(ctx context.Context, prog *analysis.Program, cfg Config, opts EnumerateOptions) (*EnumerateReport, error) {
	return enumeratePart(ctx, prog, cfg, opts, -1, nil)
}

// enumeratePart enumerates the runs whose first choice takes alternative
// part (all runs when part < 0). abandon, when it reports true, ends the
// enumeration incomplete (a lower part stopped: this one is not needed).
func enumeratePart(ctx context.Context, prog *analysis.Program, cfg Config, opts EnumerateOptions, part int, abandon func() bool) (*EnumerateReport, error) {
	cfg, opts, err := enumerateSetup(prog, cfg, opts)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if abandon == nil {
		abandon = opts.Abandon
	}
	e := &enumerator{prog: prog, opts: opts, ctx: ctx, diverge: -1, memo: map[Fingerprint]enumEntry{}, hash: sha256.New(), part: part, abandon: abandon}
	cfg.Decide, cfg.Step = e.decide, e.step
	if cfg.TickCache == nil {
		cfg.TickCache = NewTickCache(1 << 15)
	}
	e.cfg = cfg
	for {
		stop, err := e.branch()
		if err != nil {
			return nil, err
		}
		if stop || !e.backtrack() {
			break
		}
	}
	e.finishAll()
	r := e.rep
	r.States = len(e.memo)
	if r.Bound == "" && !r.Stopped {
		r.Complete = true
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], r.Covered)
	e.hash.Write(buf[:])
	r.Hash = hex.EncodeToString(e.hash.Sum(nil))
	return &r, nil
}

// enumerateSetup checks and completes an enumeration's configuration.
func enumerateSetup(prog *analysis.Program, cfg Config, opts EnumerateOptions) (Config, EnumerateOptions, error) {
	if cfg.Closed != nil {
		return cfg, opts, errors.New("exhaustive enumeration needs an open-loop workload: closed-loop clients draw their requests")
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 3
	}
	if opts.MaxStates <= 0 {
		opts.MaxStates = DefaultEnumerateStates
	}
	if opts.MaxBranches <= 0 {
		opts.MaxBranches = DefaultEnumerateBranches
	}
	cfg.Script, cfg.Idle = nil, IdleTicks{}
	d := Distribution{Kind: DelayUniform, Max: opts.MaxDelay}
	cfg.Delay = &d // what the runs' schedules say they drew from
	if cfg.Evaluator == nil && cfg.tick == nil {
		ev, err := eval.Compile(prog)
		if err != nil {
			return cfg, opts, err
		}
		cfg.Evaluator = ev
	}
	return cfg, opts, nil
}

// branch runs the current branch to its end; stop ends the enumeration.
func (e *enumerator) branch() (stop bool, err error) {
	// The context is checked per branch too, not only per moment (step):
	// a branch resumed at a moment runs that moment without a step, so
	// when the run ends there (the horizon), its many sibling branches
	// (every delay of every message that moment sends) would never see the
	// cancellation, nor add a state that the state bound counts.
	if err := e.ctx.Err(); err != nil {
		e.rep.Bound, e.rep.Limit = fmt.Sprintf("canceled: %v", context.Cause(e.ctx)), BoundCanceled
		return true, nil
	}
	// Such branches are what the state bound cannot count; this one does.
	if e.rep.Branches >= e.opts.MaxBranches {
		e.rep.Bound, e.rep.Limit = fmt.Sprintf("%d branches enumerated (%s)", e.opts.MaxBranches, BoundEnumerateBranches.Raise()), BoundEnumerateBranches
		return true, nil
	}
	e.rep.Branches++
	var res *Result
	if sn := e.resumePoint(); sn != nil {
		e.pos = sn.pos
		res, err = Resume(sn.world, e.decide, e.step)
	} else {
		e.pos = 0
		res, err = Run(e.prog, e.cfg)
	}
	if err != nil {
		var end *enumEnd
		if !errors.As(err, &end) {
			return true, err
		}
		if end.bound != "" {
			e.rep.Bound, e.rep.Limit, e.rep.NotAtRest = end.bound, end.limit, end.notAtRest
			return true, nil
		}
		e.rep.Merged++
		e.addCount(e.memo[end.key].count)
		return false, nil
	}
	if e.opts.RestCheck {
		if msg := e.checkRestAtEnd(res); msg != "" {
			e.rep.Bound, e.rep.NotAtRest = "not at rest: "+msg, msg
			return true, nil
		}
	}
	e.rep.Runs++
	e.addCount(1)
	if e.opts.Leaf != nil {
		stop, err := e.opts.Leaf(res)
		if err != nil {
			return true, err
		}
		if stop {
			e.rep.Stopped = true
			return true, nil
		}
	}
	return false, nil
}

func (e *enumerator) addCount(n uint64) {
	if len(e.path) == 0 {
		e.root = satAdd(e.root, n)
		return
	}
	p := &e.path[len(e.path)-1]
	p.count = satAdd(p.count, n)
}

// finish closes the deepest open moment: its count is final.
func (e *enumerator) finish() {
	n := e.path[len(e.path)-1]
	e.path = e.path[:len(e.path)-1]
	e.memo[n.key] = enumEntry{count: n.count, done: true}
	e.addCount(n.count)
}

func (e *enumerator) finishAll() {
	for len(e.path) > 0 {
		e.finish()
	}
	e.rep.Covered = e.root
}

// backtrack moves to the next branch: the deepest choice with an untried
// alternative takes it. Moments after it are finished.
func (e *enumerator) backtrack() bool {
	for i := len(e.stack) - 1; i >= 0; i-- {
		if e.stack[i].cur+1 < len(e.stack[i].alts) {
			e.stack[i].cur++
			e.stack = e.stack[:i+1]
			e.diverge = i
			for len(e.path) > 0 && e.path[len(e.path)-1].pos > i {
				e.finish()
			}
			for len(e.snaps) > 0 && e.snaps[len(e.snaps)-1].pos > i {
				e.snaps = e.snaps[:len(e.snaps)-1]
			}
			return true
		}
	}
	return false
}

func (e *enumerator) resumePoint() *enumSnap {
	if len(e.snaps) == 0 {
		return nil
	}
	return &e.snaps[len(e.snaps)-1]
}

func (e *enumerator) step(m Moment) error {
	if err := e.ctx.Err(); err != nil {
		return &enumEnd{bound: fmt.Sprintf("canceled: %v", context.Cause(e.ctx)), limit: BoundCanceled}
	}
	if e.abandon != nil && e.abandon() {
		return &enumEnd{bound: "abandoned: an earlier part stopped the enumeration"}
	}
	if e.pos <= e.diverge {
		return nil // a moment of the branch's shared prefix: already open
	}
	k := e.key(m)
	if ent, ok := e.memo[k]; ok {
		if !ent.done {
			return fmt.Errorf("sim: enumeration met an open moment again at virtual time %d (a bug; please report it)", m.Now())
		}
		if !e.opts.NoMemo {
			return &enumEnd{merged: true, key: k}
		}
	} else {
		if len(e.memo) >= e.opts.MaxStates {
			return &enumEnd{bound: fmt.Sprintf("%d distinct states enumerated (%s)", e.opts.MaxStates, BoundEnumerateStates.Raise()), limit: BoundEnumerateStates}
		}
		if e.opts.RestCheck {
			if err := e.checkRest(m); err != nil {
				return err
			}
		}
		e.memo[k] = enumEntry{}
		e.hash.Write(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, k.Hi), k.Lo))
	}
	if n := len(e.path); n > 0 && e.path[n-1].key == k {
		return nil // cannot happen: time grows; kept as a guard
	}
	e.path = append(e.path, enumNode{key: k, pos: e.pos})
	if n := len(e.snaps); n == 0 || e.snaps[n-1].pos != e.pos {
		e.snaps = append(e.snaps, enumSnap{world: m.Snapshot(), pos: e.pos})
	}
	return nil
}

// key is the memo key of a moment (see the top of this file).
func (e *enumerator) key(m Moment) Fingerprint {
	w := m.w
	fp := m.Fingerprint()
	h := newFPHasher(8)
	h.word(fp.Hi)
	h.word(fp.Lo)
	var bitsw uint64
	for i, n := range w.nodes {
		if n.faulty {
			bitsw |= 1 << (i % 64)
		}
		if i%64 == 63 {
			h.word(bitsw)
			bitsw = 0
		}
	}
	h.word(bitsw)
	if e.opts.Observable {
		o := observedFingerprint(w)
		h.word(o.Hi)
		h.word(o.Lo)
	}
	return h.sum()
}

// observedFingerprint digests what a run has shown its clients: each
// distinct (fact, client) delivered with the time it first arrived, and
// each output on its way with its arrival time (a commutative sum).
func observedFingerprint(w *world) Fingerprint {
	var sum Fingerprint
	seen := make(map[string]bool, len(w.hist.Outputs))
	for _, o := range w.hist.Outputs {
		k := o.Fact.Rel + o.Fact.Tuple.Key() + "#" + fmt.Sprint(o.Client)
		if seen[k] {
			continue
		}
		seen[k] = true
		sum = sum.add(outputFingerprint(o.Fact, o.Client, o.Time, 9))
	}
	for i := range w.q.items {
		if ev := &w.q.items[i]; ev.kind == evOutput {
			sum = sum.add(outputFingerprint(ev.fact, ev.client, ev.time, 10))
		}
	}
	return sum
}

func outputFingerprint(f value.Fact, client int, t int64, domain uint64) Fingerprint {
	h := newFPHasher(domain)
	h.str(f.Rel)
	h.tuple(f.Tuple)
	h.word(uint64(client))
	h.word(uint64(t))
	return h.sum()
}

func (e *enumerator) decide(c *Choice) error {
	if e.pos >= len(e.stack) {
		alts, err := e.alternatives(c)
		if err != nil {
			return err
		}
		if e.pos == 0 && e.part >= 0 {
			if e.part >= len(alts) {
				return fmt.Errorf("sim: enumeration part %d of a first choice with %d alternatives", e.part, len(alts))
			}
			alts = alts[e.part : e.part+1]
		}
		if len(alts) > 1 {
			e.rep.Choices++
		}
		e.stack = append(e.stack, enumFrame{alts: alts})
	}
	f := &e.stack[e.pos]
	e.pos++
	a := f.alts[f.cur]
	switch c.Kind {
	case ChoiceSend:
		c.Drop, c.Delay, c.Dup = a.drop, a.delay, a.dup
	case ChoiceOutput:
		c.Delay = 1
	case ChoiceJitter:
		c.Delay = a.delay
	case ChoiceChoose, ChoiceFaulty:
		c.Pick = a.pick
	case ChoiceOrder:
		c.Perm = slices.Clone(a.perm)
	}
	return nil
}

func (e *enumerator) alternatives(c *Choice) ([]enumAlt, error) {
	D := e.opts.MaxDelay
	switch c.Kind {
	case ChoiceSend:
		var out []enumAlt
		for d := int64(1); d <= D; d++ {
			out = append(out, enumAlt{delay: d})
		}
		if c.DupP > 0 {
			for d := int64(1); d <= D; d++ {
				for d2 := int64(1); d2 <= D; d2++ {
					out = append(out, enumAlt{delay: d, dup: d2})
				}
			}
		}
		if c.LossP > 0 {
			out = append(out, enumAlt{drop: true})
		}
		return out, nil
	case ChoiceOutput:
		return []enumAlt{{fixedOutputs: true}}, nil
	case ChoiceJitter:
		j := int64(0)
		if r := e.prog.Relation(c.Fact.Rel); r != nil && r.Timer != nil {
			j = r.Timer.Jitter
		}
		var out []enumAlt
		for d := -j; d <= j; d++ {
			out = append(out, enumAlt{delay: d})
		}
		return out, nil
	case ChoiceChoose, ChoiceFaulty:
		out := make([]enumAlt, max(c.N, 1))
		for i := range out {
			out[i] = enumAlt{pick: i}
		}
		return out, nil
	case ChoiceOrder:
		id := make([]int, c.N)
		for i := range id {
			id[i] = i
		}
		if c.N > maxEnumeratePermRows {
			return nil, &enumEnd{bound: fmt.Sprintf("index() numbered %d rows at %s; orders of at most %d rows are enumerated", c.N, c.From, maxEnumeratePermRows)}
		}
		var out []enumAlt
		EachPermutation(id, 0, func(p []int) { out = append(out, enumAlt{perm: slices.Clone(p)}) })
		return out, nil
	}
	return nil, fmt.Errorf("exhaustive enumeration cannot decide a %s choice (%s)", c.Kind, c.Key())
}

// FingerprintStrings digests a sequence of strings (in order) into a
// Fingerprint, for callers that build memo keys of their own.
func FingerprintStrings(parts []string) Fingerprint {
	h := newFPHasher(11)
	h.word(uint64(len(parts)))
	for _, p := range parts {
		h.str(p)
	}
	return h.sum()
}
