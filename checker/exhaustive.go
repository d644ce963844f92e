package checker

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the exhaustive check (Options.Exhaustive; docs/CHECKING.md,
// "Exhaustive checking"): instead of seeded runs of the rewrite, every run
// of it within the bounds (sim.Enumerate, delays 1..MaxDelay, every loss
// the fault plan allows, every faulty-node pick, every choose()/index()
// choice) over one fixed workload, each explained by the original through
// the usual witness search. The enumeration memoises the rewrite's
// moments with what they have shown the clients, so that a cut branch's
// runs have the same observable histories as runs already explained; and
// runs with the same observable history (the same obligation) share one
// search. The result is a certificate, or the first unexplained run in
// search order.

// Certificate is what an exhaustive check covered.
type Certificate struct {
	// The bounds: delays 1..MaxDelay per message of the rewrite, the
	// fault plan's losses, the workload (Inputs inputs generated from
	// Seed), the rewritten runs' horizon MaxTime.
	MaxDelay int64
	Faults   sim.FaultPlan
	Seed     uint64
	Inputs   int
	MaxTime  int64
	// Complete: every run of the rewrite within the bounds was
	// enumerated; Bound says which bound stopped it otherwise.
	Complete bool
	Bound    string
	// States counts the distinct states of the rewrite enumerated (up to
	// fingerprint equality), Runs the rewritten runs executed to their
	// end, Merged the branches cut at a state already enumerated, and
	// Schedules the runs of the rewrite the certificate covers (a merged
	// branch counts the runs below its state); Schedules saturates at
	// 2^64-1.
	States, Runs, Merged int
	Schedules            uint64
	// Histories counts the distinct observable histories (obligations)
	// the original had to explain; Searches the witness searches run for
	// them; OriginalStates the original's states those searches explored;
	// Undecided the histories whose search hit a bound.
	Histories, Searches, OriginalStates, Undecided int
	// Hash is a SHA-256 over each part's enumeration hash (its states in
	// search order; with the key split, its groups') and explained
	// histories, in part order, then the histories and schedules counted.
	Hash string
	// Parts is the number of parts the enumeration was split into (one
	// per choice of the first random faulty node; sim.EnumerateParts).
	Parts int
	// Split names the key columns when the enumeration was split by key
	// (docs/CHECKING.md, "Why pruning is sound", step 4): Groups key groups
	// enumerated alone, MergedRuns runs of the whole workload merged from
	// them. SplitRefused says why the enumeration was not split.
	Split              string
	Groups, MergedRuns int
	SplitRefused       string
	// obligations holds every explained or undecided obligation key (the
	// tests compare these sets between the split and the unsplit check).
	obligations map[sim.Fingerprint]bool
	// records are the parts' records, reported by a shard (MergeJSON
	// assembles the certificate from every shard's).
	records []partRecord
	// ShrunkFrom and ShrunkTo: the counterexample's workload was shrunk
	// from ShrunkFrom inputs to ShrunkTo (each re-enumerated); 0 if not.
	ShrunkFrom, ShrunkTo int
}

// CollisionBound bounds the probability that a fingerprint collision cut
// a subtree: of the rewrite's enumeration or of one of the searches.
func (c *Certificate) CollisionBound() float64 {
	return sim.CollisionBound(c.States) + sim.CollisionBound(c.OriginalStates)
}

func (c *Certificate) addObligations(m map[sim.Fingerprint]bool) {
	if c.obligations == nil {
		c.obligations = map[sim.Fingerprint]bool{}
	}
	for k := range m {
		c.obligations[k] = true
	}
}

// exhaustiveBruteForce makes the rewrite's enumeration cut no branch (the
// reference the tests compare with).
var exhaustiveBruteForce bool

// checkExhaustive is CheckContext with Options.Exhaustive.
func checkExhaustive(ctx context.Context, m *refinementMap, original, rewritten *analysis.Program, opts Options) (*Report, error) {
	if opts.Closed > 0 {
		return nil, errors.New("an exhaustive check needs an open-loop workload (closed-loop clients draw their requests)")
	}
	if opts.MaxEscalatedDelay == 0 {
		// The original is searched within the rewrite's bounds: the
		// certificate says "explained by a run with delays 1..MaxDelay".
		opts.MaxEscalatedDelay = -1
	}
	cfg, err := opts.Spec.RunConfig(m.rew, 0)
	if err != nil {
		return nil, err
	}
	cfg.Trace.Off = true // snapshots would copy it; leaves are replayed with one
	rep := &Report{Original: original.File.Name, Rewritten: rewritten.File.Name, Options: opts}
	cert, cx, unk, err := enumerateAndExplain(ctx, m, opts, cfg)
	if err != nil {
		return nil, err
	}
	rep.Certificate = cert
	switch {
	case cx != nil:
		if !opts.NoShrink {
			if s, ok := shrinkExhaustive(ctx, m, opts, cfg, cx, cert); ok {
				cx = s
			}
		}
		rep.Counterexample, rep.Runs = cx, []*RunReport{cx}
		rep.summarise()
	case unk != nil:
		rep.Verdict, rep.Runs, rep.Undecided = Unknown, []*RunReport{unk}, 1
	case !cert.Complete:
		rep.Verdict = Unknown
	default:
		rep.Verdict = Equivalent
	}
	return rep, nil
}

// enumerateAndExplain enumerates the rewrite's runs under cfg and explains
// each distinct observable history, part by part (one part per choice of
// the first random faulty node; only the shard's parts when opts.Shard
// splits the check), with the key split when it applies. It returns the
// certificate, the first unexplained run (in search order) or else the
// first undecided one.
func enumerateAndExplain(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config) (*Certificate, *RunReport, *RunReport, error) {
	base := Certificate{MaxDelay: opts.MaxDelay, Faults: opts.Faults, Seed: cfg.Seed, Inputs: len(cfg.Workload), MaxTime: cfg.Limits.MaxTime, SplitRefused: "off"}
	n, err := sim.Parts(m.rew, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	lo, hi := 0, n
	if opts.Shard.Count > 1 {
		lo, hi = opts.Shard.Range(n)
	}
	sopts := opts
	sopts.ctx = ctx
	if !exhaustiveNoSplit {
		split, why := sim.PlanKeySplit(m.rew, cfg)
		base.SplitRefused = why
		if split != nil {
			outs := runParts(lo, hi, n, opts.Jobs, func(part int, abandon func() bool) *partOutcome {
				return runSplitPart(ctx, m, sopts, cfg, split, part, abandon)
			})
			refused, err := firstRefusal(outs)
			if err != nil {
				return nil, nil, nil, err
			}
			if refused == "" {
				base.Groups, base.Split = len(split.Groups), strings.Join(split.Columns, ", ")
				return finishParts(base, n, outs, opts)
			}
			base.SplitRefused = refused
		}
	}
	outs := runParts(lo, hi, n, opts.Jobs, func(part int, abandon func() bool) *partOutcome {
		return runWholePart(ctx, m, sopts, cfg, part, abandon)
	})
	if _, err := firstRefusal(outs); err != nil {
		return nil, nil, nil, err
	}
	return finishParts(base, n, outs, opts)
}

// runWholePart enumerates one part without the key split.
func runWholePart(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, part int, abandon func() bool) *partOutcome {
	p := &partExplainer{m: m, opts: opts, cfg: cfg, explained: map[sim.Fingerprint]bool{}, hist: sha256.New()}
	pc := cfg
	pc.TickCache = nil // one per part: a cache is not safe for concurrent use
	rep, err := sim.EnumeratePart(ctx, m.rew, pc, sim.EnumerateOptions{MaxDelay: opts.MaxDelay, MaxStates: opts.ExhaustiveStates, MaxBranches: opts.ExhaustiveBranches, Observable: true, NoMemo: exhaustiveBruteForce, Abandon: abandon, Leaf: p.leaf}, part)
	if err != nil {
		return &partOutcome{err: fmt.Errorf("enumerating the rewritten program's runs: %w", err)}
	}
	o := &partOutcome{exp: p, limit: rep.Limit}
	o.rec = partRecord{Part: max(part, 0), States: rep.States, Runs: rep.Runs, Merged: rep.Merged, Covered: rep.Covered, Complete: rep.Complete, Bound: rep.Bound, EnumHash: rep.Hash}
	o.fill()
	return o
}

// partExplainer explains the runs of one part of the enumeration.
type partExplainer struct {
	m         *refinementMap
	opts      Options
	cfg       sim.Config
	explained map[sim.Fingerprint]bool // obligation -> explained (false: undecided)
	hist      hash.Hash                // the explained obligations, in search order
	runs      int
	cx, unk   *RunReport

	histories, searches, originalStates, undecided int
}

func (p *partExplainer) leaf(res *sim.Result) (bool, error) {
	p.runs++
	k := obligationKey(p.m, res)
	if _, ok := p.explained[k]; ok {
		return false, nil // explained (or undecided) already: the same obligation
	}
	// The enumeration keeps no trace (snapshots would copy it); the
	// search's guides read one: replay the run with it.
	full, err := sim.Replay(p.m.rew, res.Schedule)
	if err != nil {
		return true, fmt.Errorf("replaying an enumerated run of the rewrite: %w", err)
	}
	return p.explain(k, full)
}

// explain searches the original for a run explaining full (a run of the
// rewrite with its trace, whose obligation key is k, not explained yet).
func (p *partExplainer) explain(k sim.Fingerprint, full *sim.Result) (bool, error) {
	p.histories++
	p.searches++
	r, err := explainRun(p.m, p.opts, p.cfg, full)
	if err != nil {
		return true, err
	}
	r.Index, r.Seed = p.runs, p.cfg.Seed
	p.originalStates += r.States
	switch r.Verdict {
	case Equivalent:
		p.explained[k] = true
		p.hist.Write([]byte(k.String()))
	case NotEquivalent, Violated:
		// A run nothing explains, or one that broke the rewrite's own
		// invariant with no matching violation found: the enumeration
		// stops at the first failing run, as a seeded check does.
		p.cx = r
		return true, nil
	case Unknown:
		p.explained[k] = false
		p.undecided++
		if p.unk == nil {
			p.unk = r
		}
	}
	return false, nil
}

// obligationKey digests everything explaining a rewritten run depends on
// (docs/ARCHITECTURE.md, Verdicts): each distinct output fact, mapped to
// the original, with the time it first arrived; the inputs; how the run
// ended (quiescent, at the horizon, or on which violation when); and the
// faulty and crashed nodes (the original's fault budget). Two runs with
// equal keys are explained by the same runs of the original.
func obligationKey(m *refinementMap, res *sim.Result) sim.Fingerprint {
	var parts []string
	seen := map[string]bool{}
	for _, o := range res.History.Outputs {
		k := factKey(m.fact(o.Fact))
		if !seen[k] {
			seen[k] = true
			parts = append(parts, "o "+k+" @"+strconv.FormatInt(o.Time, 10))
		}
	}
	slices.Sort(parts)
	for _, in := range res.History.Inputs {
		parts = append(parts, "i "+in.String())
	}
	parts = append(parts, "stop "+strconv.Itoa(int(res.Stop.Reason))+" @"+strconv.FormatInt(res.Time, 10))
	for _, v := range res.Violations {
		parts = append(parts, "v "+v.Fact.String()+" @"+strconv.FormatInt(v.Time, 10))
	}
	for _, n := range res.Nodes {
		if n.Faulty || n.Crashed {
			parts = append(parts, fmt.Sprintf("n %s %t %t", n.Addr, n.Faulty, n.Crashed))
		}
	}
	return sim.FingerprintStrings(parts)
}

// shrinkExhaustive tries smaller workloads (one input fewer at a time,
// each re-enumerated exhaustively) and keeps the first unexplained run of
// the smallest that still has one. The run found first is already the
// least in search order (delays tried from 1 up, losses last).
func shrinkExhaustive(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, cx *RunReport, cert *Certificate) (*RunReport, bool) {
	best, shrunk := cx, false
	w := cfg.Workload
	from := len(w)
	for attempts := 0; len(w) > 1 && attempts < 2*from; {
		progress := false
		for i := range w {
			attempts++
			c := cfg
			c.Workload = slices.Delete(slices.Clone(w), i, i+1)
			o := opts
			o.Shard = Shard{} // a shard's counterexample shrinks as the unsharded check's does
			_, found, _, err := enumerateAndExplain(ctx, m, o, c)
			if err != nil || found == nil {
				continue
			}
			best, w, shrunk, progress = found, c.Workload, true, true
			break
		}
		if !progress {
			break
		}
	}
	if shrunk {
		best.Shrunk, best.ShrunkFrom = true, cfg.Seed
		cert.ShrunkFrom, cert.ShrunkTo = from, len(w)
	}
	return best, shrunk
}
