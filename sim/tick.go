package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// tickNode runs one tick of n at the current time through eval.Tick and
// turns its result into events.
func (w *world) tickNode(n *node) error {
	if w.ticks >= w.lim.MaxTicks {
		w.halt(TickLimit, fmt.Sprintf("stopped: %d ticks (MaxTicks); raise "+BoundMaxTicks.Field(), w.lim.MaxTicks))
		return nil
	}
	in := eval.Input{State: n.state, Delivered: n.pending}
	w.cur, w.callSeq, w.choiceEr = n, 0, nil
	var choices eval.Choices = eval.FirstChoices{}
	if !w.cfg.FirstChoices {
		choices = worldChoices{w}
	}
	// The cache needs the carried facts' fingerprint, kept only when
	// fingerprints are tracked; FirstChoices ticks make their choices
	// silently, so they are never cached (a hit must mean "asked none").
	cache := w.cfg.TickCache
	if !w.q.track || w.cfg.FirstChoices || w.cfg.tick != nil {
		cache = nil
	}
	var key tickKey
	var res *eval.Result
	var err error
	if cache != nil {
		key = tickKey{node: n.idx, carried: n.fp, delivered: deliveredFingerprint(n.pending)}
		res = cache.get(key)
	}
	if res == nil {
		res, err = w.tick(w.prog, n.evalNode, in, choices, eval.Limits{MaxFacts: w.lim.MaxFacts})
		if cache != nil && err == nil && w.callSeq == 0 && w.choiceEr == nil {
			cache.put(key, res)
		}
	}
	if w.choiceEr != nil {
		return w.choiceEr
	}
	if err != nil {
		var le *eval.LimitError
		if errors.As(err, &le) {
			stopped := w.stopped
			w.halt(FactLimit, tickLimitMessage(le, n.addr, w.now))
			if !stopped && le.Bound == "MaxIterations" {
				w.stop.Bound = NoBound // no option cures a fixpoint that never converges
			}
			return nil
		}
		return fmt.Errorf("tick %d of %s at virtual time %d: %w", n.ticks+1, n.addr, w.now, err)
	}
	n.ticks++
	w.ticks++
	if w.cov != nil {
		if err := w.cov.tick(n.evalNode, n.comp, res); err != nil {
			return fmt.Errorf("coverage of tick %d of %s at virtual time %d: %w", n.ticks, n.addr, w.now, err)
		}
	}
	if w.trace != nil {
		w.emit(Event{
			Time: w.now, Kind: EvTick, Node: n.addr, Tick: n.ticks,
			Consumed: w.tb.consumed(n.pending),
			Produced: w.tb.produced(res.Next(), n.carried()),
			Outputs:  w.tb.keep(res.Outputs),
			Sends:    len(res.Sends),
			Dump:     w.dumpFacts(res.Facts()),
		})
	}
	n.pending = n.pending[:0]
	changed := !n.state.Equal(res.State)
	n.state, n.last = res.State, res
	if changed && w.q.track {
		n.fp = factSetFingerprint(n.carried())
	}

	for _, m := range res.Sends {
		if err := w.send(n, m); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
	for _, f := range res.Outputs {
		if err := w.emitOutput(n, f); err != nil {
			return err
		}
	}
	if len(res.Violations) > 0 {
		for _, f := range res.Violations {
			w.violations = append(w.violations, ViolationReport{Node: n.addr, Time: w.now, Fact: f})
			w.emit(Event{Time: w.now, Kind: EvViolation, Node: n.addr, Fact: f})
		}
		f := res.Violations[0]
		w.halt(Violation, fmt.Sprintf("invariant violated: %s at %s, virtual time %d", f, n.addr, w.now))
		return nil
	}
	if changed {
		w.q.push(event{time: w.now + 1, kind: evWake, node: n.idx})
		return nil
	}
	return w.maybeIdle(n)
}

// maybeIdle decides whether a node that went quiescent gets an idle tick.
func (w *world) maybeIdle(n *node) error {
	it := w.cfg.Idle
	if it.P <= 0 {
		return nil
	}
	per, gap := it.PerNode, it.MaxGap
	if per <= 0 {
		per = 3
	}
	if gap <= 0 {
		gap = 5
	}
	if n.idle >= per {
		return nil
	}
	c := Choice{Kind: ChoiceIdle, From: n.addr, Time: w.now}
	err := w.or.decide(&c, func(r *rand.Rand, c *Choice) {
		if r.Float64() < it.P {
			c.Delay = 1 + r.Int64N(gap)
		}
	})
	if err != nil {
		return err
	}
	if c.Delay > 0 {
		n.idle++
		w.q.push(event{time: w.now + c.Delay, kind: evWake, node: n.idx})
	}
	return nil
}

// send decides the fate of one message.
func (w *world) send(from *node, m eval.Message) error {
	if w.messages >= w.lim.MaxMessages {
		w.halt(MessageLimit, fmt.Sprintf("stopped: %d messages (MaxMessages); raise "+BoundMaxMessages.Field(), w.lim.MaxMessages))
		return nil
	}
	to, ok := w.addrs[m.To]
	if !ok {
		return fmt.Errorf("tick of %s at virtual time %d sent %s to %s, which is no node", from.addr, w.now, m.Fact, m.To)
	}
	w.messages++
	w.msgSeq++
	id, now := w.msgSeq, w.now
	recv := w.nodes[to]
	c := Choice{Kind: ChoiceSend, ID: id, From: from.addr, To: recv.addr, Fact: m.Fact, Time: now}
	reason := ""
	if w.partitioned(from.idx, to, now) {
		reason = "partition"
	} else {
		loss := w.lossProb(from.idx, to, now)
		dupP := 0.0
		if d := w.cfg.Faults.Duplicate; d != nil && now <= d.Until {
			dupP = d.P
		}
		c.LossP, c.DupP = loss, dupP
		err := w.or.decide(&c, func(r *rand.Rand, c *Choice) {
			if loss > 0 && r.Float64() < loss {
				c.Drop = true
				return
			}
			c.Delay = w.dist.draw(r)
			if dupP > 0 && r.Float64() < dupP {
				c.Dup = w.dist.draw(r)
			}
		})
		if err != nil {
			return err
		}
		if c.Drop {
			reason = "omission"
		}
	}
	if w.cov != nil {
		w.cov.sent(m.Rule, from.idx, to, reason != "", now+c.Delay)
	}
	// Events are built only when traced: an Event is ~300 bytes, and
	// building one per send with the trace off was a tenth of send's cost.
	if reason != "" {
		if w.trace != nil {
			w.emit(Event{Time: now, Kind: EvSend, Node: from.addr, Peer: recv.addr, Msg: id, Fact: m.Fact, Arrive: -1})
			w.emit(Event{Time: now, Kind: EvDrop, Node: recv.addr, Peer: from.addr, Msg: id, Fact: m.Fact, SentAt: now, Reason: reason})
		}
		w.drops++
		return nil
	}
	if w.trace != nil {
		ev := Event{Time: now, Kind: EvSend, Node: from.addr, Peer: recv.addr, Msg: id, Fact: m.Fact, Arrive: now + c.Delay}
		if c.Dup > 0 {
			ev.DupAt = now + c.Dup
		}
		w.emit(ev)
	}
	w.q.push(event{time: now + c.Delay, kind: evDeliver, node: to, from: from.idx, msg: id, fact: m.Fact, sentAt: now})
	if c.Dup > 0 {
		w.dups++
		w.q.push(event{time: now + c.Dup, kind: evDeliver, node: to, from: from.idx, msg: id, fact: m.Fact, sentAt: now, dup: true})
	}
	return nil
}

func (w *world) partitioned(from, to int, t int64) bool {
	for _, p := range w.partitions {
		if t >= p.from && t < p.to && (p.a[from] && p.b[to] || p.b[from] && p.a[to]) {
			return true
		}
	}
	return false
}

func (w *world) lossProb(from, to int, t int64) float64 {
	p := 0.0
	for _, o := range w.omissions {
		if t <= o.until && (o.nodes[from] || o.nodes[to]) && o.p > p {
			p = o.p
		}
	}
	return p
}

// worldChoices routes the language's choose() and index() choices through
// the oracle, so that they are seeded, recorded and replayable.
type worldChoices struct{ w *world }

func (c worldChoices) Choose(rule int, group value.Tuple, n int) int {
	w := c.w
	if n <= 1 || w.choiceEr != nil {
		return 0
	}
	w.callSeq++
	ch := Choice{Kind: ChoiceChoose, From: w.cur.addr, Tick: w.cur.ticks + 1, Call: w.callSeq, Rule: rule, Group: slices.Clone(group), N: n}
	if err := w.or.decide(&ch, func(r *rand.Rand, c *Choice) { c.Pick = r.IntN(n) }); err != nil {
		w.choiceEr = err
		return 0
	}
	return ch.Pick
}

func (c worldChoices) Order(rule int, n int) []int {
	w := c.w
	if n <= 1 || w.choiceEr != nil {
		return eval.FirstChoices{}.Order(rule, n)
	}
	w.callSeq++
	ch := Choice{Kind: ChoiceOrder, From: w.cur.addr, Tick: w.cur.ticks + 1, Call: w.callSeq, Rule: rule, N: n}
	if err := w.or.decide(&ch, func(r *rand.Rand, c *Choice) { c.Perm = r.Perm(n) }); err != nil {
		w.choiceEr = err
		return eval.FirstChoices{}.Order(rule, n)
	}
	return slices.Clone(ch.Perm)
}

func sortedRelations(fs eval.FactSet) []string {
	rels := make([]string, 0, len(fs))
	for r, ts := range fs {
		if len(ts) > 0 {
			rels = append(rels, r)
		}
	}
	slices.Sort(rels)
	return rels
}

// factSetDiff lists the facts of a that are not in b, sorted.
func factSetDiff(a, b eval.FactSet) []value.Fact {
	return appendFactSetDiff(nil, a, b, sortedRelations(a))
}

// appendFactSetDiff appends to dst the facts of a that are not in b, over
// rels (a's relations, sorted; traced runs pass a reused slice).
func appendFactSetDiff(dst []value.Fact, a, b eval.FactSet, rels []string) []value.Fact {
	for _, rel := range rels {
		ta, tb := a[rel], b[rel]
		j := 0
		for _, t := range ta {
			for j < len(tb) && tb[j].Compare(t) < 0 {
				j++
			}
			if j < len(tb) && tb[j].Equal(t) {
				continue
			}
			dst = append(dst, value.Fact{Rel: rel, Tuple: t})
		}
	}
	return dst
}

func sortedDistinct(fs []value.Fact) []value.Fact {
	if len(fs) == 0 {
		return nil
	}
	out := slices.Clone(fs)
	slices.SortFunc(out, value.Fact.Compare)
	return slices.CompactFunc(out, func(a, b value.Fact) bool { return a.Compare(b) == 0 })
}

func (w *world) dumpFacts(fs eval.FactSet) []value.Fact {
	if !w.dumpAll && len(w.dump) == 0 {
		return nil
	}
	out := []value.Fact{}
	for _, rel := range sortedRelations(fs) {
		if !w.dumpAll && !w.dump[rel] {
			continue
		}
		for _, t := range fs[rel] {
			out = append(out, value.Fact{Rel: rel, Tuple: t})
		}
	}
	return out
}

// tickLimitMessage explains which bound of eval.Limits a tick hit. Only
// MaxFacts can usefully be raised (Limits.MaxFacts); MaxIterations stops a
// fixpoint that never converges, which more facts would not cure.
func tickLimitMessage(le *eval.LimitError, at value.Addr, now int64) string {
	if le.Bound == "MaxIterations" {
		return fmt.Sprintf("stopped: a tick of %s at virtual time %d did not reach a fixpoint within %d rounds (MaxIterations); "+
			"a recursive rule keeps deriving new facts within one tick: bound it with a comparison, or derive the next step with :+", at, now, le.Limit)
	}
	return fmt.Sprintf("stopped: a tick of %s at virtual time %d exceeded %d (%s); %s", at, now, le.Limit, le.Bound, BoundMaxFacts.Raise())
}
