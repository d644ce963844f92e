package viz

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// sideCase is a rewritten run (hashset, fault-free) beside an "original"
// run (hashset with an omission and a crash), storage[2] of the rewrite
// mapped onto storage[1] of the original, the rewrite's first output the
// offending fact.
func sideCase(t *testing.T) (*SideBySide, string) {
	t.Helper()
	rew, orig := runCase(t, traceCases[0]), runCase(t, traceCases[1])
	offending := ""
	for _, e := range rew.Events {
		if e.Kind == sim.EvOutput {
			offending = e.Fact.String()
			break
		}
	}
	if offending == "" {
		t.Fatal("the rewritten test run should hold an output")
	}
	sb, err := BuildSideBySide(rew, orig, SideBySideOptions{
		Map: func(n string) string {
			if n == "storage[2]" {
				return "storage[1]"
			}
			return ""
		},
		Offending: offending,
		Why:       "  derivation in the rewritten run:\n    " + offending + " at leader[0]: rule x.ded:1:1 (a test's text)\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb, offending
}

func TestSideBySideGolden(t *testing.T) {
	sb, offending := sideCase(t)
	// The alignment: storage[2] of the rewrite sits in storage[1]'s group.
	var found bool
	for _, g := range append(append([]SideGroup{}, sb.Groups...), sb.Folded...) {
		for _, l := range g.Rewritten {
			if sb.Rewritten.Lanes[l].Name == "storage[2]" {
				found = true
				if g.Name != "storage[1]" {
					t.Errorf("rewritten storage[2] is in group %s, want storage[1]", g.Name)
				}
			}
		}
	}
	if !found {
		t.Error("rewritten storage[2] is in no group")
	}
	var b bytes.Buffer
	if err := WriteSideBySideASCII(&b, sb); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if !strings.Contains(text, "OFFENDING ") || !strings.Contains(text, offending) || !strings.Contains(text, "*") {
		t.Errorf("the offending output %s is not marked:\n%s", offending, text)
	}
	checkGolden(t, "sidebyside.ascii.txt", b.Bytes())
	// Determinism: the same runs give the same bytes.
	sb2, _ := sideCase(t)
	var b2 bytes.Buffer
	if err := WriteSideBySideASCII(&b2, sb2); err != nil {
		t.Fatal(err)
	}
	if b2.String() != text {
		t.Error("two drawings of the same runs differ")
	}
}

// TestSideBySideFoldsQuietLanes: a lane nothing happens on in either run
// is folded, not drawn; a busy one is drawn.
func TestSideBySideFoldsQuietLanes(t *testing.T) {
	quiet := &sim.Trace{Events: []sim.Event{{Time: 0, Kind: sim.EvTick, Node: mustAddr("idle", 0), Tick: 1}}}
	rew := runCase(t, traceCases[0])
	rew.Events = append(quiet.Events, rew.Events...)
	sb, err := BuildSideBySide(rew, quiet, SideBySideOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range sb.Groups {
		if g.Name == "idle[0]" {
			t.Error("the quiet lane idle[0] is drawn")
		}
	}
	var b bytes.Buffer
	if err := WriteSideBySideASCII(&b, sb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "folded (quiet in both runs): rewritten idle[0] + original idle[0]") {
		t.Errorf("idle[0] is not listed as folded:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "original leader[0] (none)") || !strings.Contains(b.String(), "| rewritten leader[0]") {
		t.Errorf("the busy lane leader[0] is not drawn in both runs:\n%s", b.String())
	}
}

func mustAddr(comp string, i int) value.Addr { return value.Addr{Comp: comp, Instance: i} }
