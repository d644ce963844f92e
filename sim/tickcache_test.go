package sim

import (
	"testing"

	"github.com/dsim-project/dsim/semantics/eval"
)

// TestTickCacheEvictsFirstIn: a full cache forgets its oldest entry first,
// whatever the clock, and rebinding to another program empties it.
func TestTickCacheEvictsFirstIn(t *testing.T) {
	c := NewTickCache(2)
	k := func(i int) tickKey { return tickKey{node: i} }
	r := []*eval.Result{{}, {}, {}}
	c.put(k(0), r[0])
	c.put(k(1), r[1])
	c.put(k(2), r[2])
	if c.get(k(0)) != nil || c.get(k(1)) != r[1] || c.get(k(2)) != r[2] {
		t.Fatal("want entry 0 evicted and 1, 2 kept")
	}
	if c.Hits != 2 || c.Misses != 1 {
		t.Fatalf("hits %d misses %d", c.Hits, c.Misses)
	}
	prog := loadProgram(t, "broadcast", broadcastSrc)
	c.bind(prog, nil)
	if c.get(k(2)) != nil {
		t.Fatal("rebinding to another program kept an entry")
	}
}
