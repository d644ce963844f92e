package eval

import "github.com/dsim-project/dsim/semantics/value"

// A small tick stores a few dozen tuples in a dozen tables; giving every
// table its own first chunk of tuple storage and its own row slice made
// allocation the largest fixed cost of a tick. Tables of one Tick engine
// therefore carve their first storage from a shared slab. A Result shares
// rows and tuples, so a slab is never reused: reset starts a fresh one,
// sized from the previous tick's tables so that a steady run of similar ticks
// allocates it once per tick.
type slab struct {
	vals []value.Value
	rows []value.Tuple

	wantVals, wantRows int // chunk sizes for this tick
}

// Slab chunks are bounded so that one huge tick does not make every later
// small tick allocate (and clear) a huge chunk; bigger tables fall back to
// their own growing chunks.
const (
	slabMinVals = 16
	slabMaxVals = 1 << 12
	slabMinRows = 8
	slabMaxRows = 1 << 10
)

// reset drops the slab (Results may share it) and sizes the next chunks
// for vals values and rows rows: what the tables' first storage will ask
// for if this tick looks like the last one.
func (s *slab) reset(vals, rows int) {
	s.vals, s.rows = nil, nil
	s.wantVals = min(max(slabMinVals, vals), slabMaxVals)
	s.wantRows = min(max(slabMinRows, rows), slabMaxRows)
}

// takeVals returns an empty slice with room for n values, or nil when n is
// too big for the slab (the caller allocates its own).
func (s *slab) takeVals(n int) []value.Value {
	if cap(s.vals)-len(s.vals) < n {
		if n > s.wantVals/2 {
			return nil
		}
		s.vals = make([]value.Value, 0, s.wantVals)
	}
	start := len(s.vals)
	s.vals = s.vals[:start+n]
	return s.vals[start : start : start+n]
}

// takeRows returns an empty row slice with room for n rows, or nil when n
// is too big for the slab.
func (s *slab) takeRows(n int) []value.Tuple {
	if cap(s.rows)-len(s.rows) < n {
		if n > s.wantRows/2 {
			return nil
		}
		s.rows = make([]value.Tuple, 0, s.wantRows)
	}
	start := len(s.rows)
	s.rows = s.rows[:start+n]
	return s.rows[start : start : start+n]
}
