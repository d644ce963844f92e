package sim

import (
	"strings"
	"testing"
)

// TestFinalInSeededModel: the end-of-run spec is checked when a seeded run
// ends, too. The one-shot broadcast fails it once a copy is lost, passes
// without faults, and the reproducer replays the failure.
func TestFinalInSeededModel(t *testing.T) {
	prog := loadSyncFile(t, "bcast.ded").Program
	clean, err := Explore(prog, ExploreOptions{Runs: 20, Spec: Spec{Closed: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if clean.Failure != nil {
		t.Fatalf("fault-free runs failed: %s", clean.Failure)
	}
	plan, err := ParseFaultPlan("omission sender[0] p=0.5 until=10")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Explore(prog, ExploreOptions{Runs: 20, Spec: Spec{Closed: 0, Faults: plan}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != FailFinal || rep.Failure.Fact.String() != "missing(7)" {
		t.Fatalf("want an end-of-run failure, got %v", rep.Failure)
	}
	if !strings.HasPrefix(rep.Failure.String(), "end-of-run spec violated: missing(7) at receiver[") {
		t.Fatalf("failure text %q", rep.Failure)
	}
	r := rep.Repro
	r.Program = "bcast.ded"
	parsed, err := ParseReproducer("repro.txt", r.Text())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Expect != "final missing(7)" {
		t.Fatalf("expect line %q", parsed.Expect)
	}
	if err := CheckReproducer(prog, parsed); err != nil {
		t.Fatalf("the reproducer does not replay: %v", err)
	}
}
