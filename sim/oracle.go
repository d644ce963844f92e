package sim

import (
	"errors"
	"math/rand/v2"
)

// pcgStream is the second PCG word: a fixed constant, so that a run is a
// function of its seed alone.
const pcgStream = 0x9e3779b97f4a7c15

// newRand returns the generator for a seed. It is the only source of
// randomness of a run.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, pcgStream)) }

// UnpinnedError reports that a scripted schedule has no decision for a
// choice the run needs.
type UnpinnedError struct{ Key string }

func (e *UnpinnedError) Error() string {
	return "unpinned choice: " + e.Key + "; a scripted schedule must pin every choice " +
		"(add a line `choice " + e.Key + " => DECISION`, or record one with " + string(OptSchedule) + ")"
}

type pinned struct {
	source   string
	line     int
	decision string
}

// oracle makes every nondeterministic decision of a run: from the seeded
// generator when recording, or from a script when replaying. Either way it
// records the choice, so that a run always yields its own schedule.
type oracle struct {
	pcg    *rand.PCG // rng's source, so that a snapshot can copy its state
	rng    *rand.Rand
	script map[string]pinned // nil: draw from rng
	hook   DecideFunc        // non-nil: the caller decides (Config.Decide)
	record []Choice
	// prefix holds the choices recorded before a snapshot this world was
	// resumed from, shared with every other world resumed from it;
	// record continues after it (recorded returns the whole sequence).
	prefix *recordSeg

	// scratch is the Choice that draw and script replay fill: the caller's
	// Choice is copied in and out, so that it does not escape to the heap
	// (decide runs once per message; the copy is cheaper than allocating).
	// It is allocated on first use and never shared by two worlds (clone
	// clears it): a run whose hook decides never needs it, and a world
	// copied per snapshot was a quarter bigger with it inline.
	scratch *Choice
}

// decide settles c: draw fills c's decision from the generator; a script
// supplies it instead. The settled choice is recorded.
func (o *oracle) decide(c *Choice, draw func(r *rand.Rand, c *Choice)) error {
	switch {
	case o.hook != nil:
		// A caller's hook may keep the pointer it is given: give it its own.
		hc := new(Choice)
		*hc = *c
		err := o.hook(hc)
		if errors.Is(err, ErrUseSeed) {
			o.draw(c, draw)
			break
		}
		if err != nil {
			return err
		}
		*c = *hc
	case o.script != nil:
		o.ownScratch()
		*o.scratch = *c
		key := o.scratch.Key()
		p, ok := o.script[key]
		if !ok {
			return &UnpinnedError{Key: key}
		}
		if err := o.scratch.parseDecision(p.source, p.line, p.decision); err != nil {
			return err
		}
		*c = *o.scratch
	default:
		// The common case: draw straight into the record's next slot (no
		// scratch copy, and the slot does not escape either). draw never
		// calls decide, so the slot stays put while it runs.
		o.grow()
		o.record = append(o.record, *c)
		slot := &o.record[len(o.record)-1]
		draw(o.rng, slot)
		*c = *slot
		return nil
	}
	o.grow()
	o.record = append(o.record, *c)
	return nil
}

// grow gives a fresh run's record its first capacity.
func (o *oracle) grow() {
	if o.record == nil && o.prefix == nil {
		// A fresh run records dozens of choices at least (every send and
		// output is one): start with room for them rather than growing a
		// slice of 256-byte Choices from 1 (growing was over a quarter of
		// the bytes a 2PC run allocated). A resumed world (prefix set)
		// usually records few, so it grows as usual.
		o.record = make([]Choice, 0, initialRecord)
	}
}

// initialRecord is the capacity of a fresh run's choice record: a closed
// loop of 5 requests over 2PC records ~56 choices.
const initialRecord = 64

// draw settles c from the seeded generator.
func (o *oracle) draw(c *Choice, draw func(r *rand.Rand, c *Choice)) {
	o.ownScratch()
	*o.scratch = *c
	draw(o.rng, o.scratch)
	*c = *o.scratch
}

func (o *oracle) ownScratch() {
	if o.scratch == nil {
		o.scratch = new(Choice)
	}
}

// recordSeg is an immutable piece of a recorded choice sequence: the
// choices after its parent's.
type recordSeg struct {
	parent  *recordSeg
	choices []Choice
	n       int // choices in this segment and all its ancestors
}

// freeze ends the current segment, returning a chain that snapshots share;
// the oracle continues in a fresh segment after it.
func (o *oracle) freeze() *recordSeg {
	if len(o.record) > 0 {
		n := len(o.record)
		if o.prefix != nil {
			n += o.prefix.n
		}
		o.prefix = &recordSeg{parent: o.prefix, choices: o.record, n: n}
		o.record = nil
	}
	return o.prefix
}

// recorded returns every choice of the run in order.
func (o *oracle) recorded() []Choice {
	if o.prefix == nil {
		return o.record
	}
	out := make([]Choice, o.prefix.n+len(o.record))
	copy(out[o.prefix.n:], o.record)
	for s := o.prefix; s != nil; s = s.parent {
		start := s.n - len(s.choices)
		copy(out[start:s.n], s.choices)
	}
	return out
}
