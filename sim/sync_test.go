package sim

import (
	"os"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func loadSyncFile(t *testing.T, name string) *SyncTarget {
	t.Helper()
	src, err := os.ReadFile("testdata/sync/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return &SyncTarget{Program: loadProgram(t, name, string(src))}
}

func exploreSync(t *testing.T, name string, b SyncBounds) *SyncReport {
	t.Helper()
	rep, err := ExploreSync(*loadSyncFile(t, name), SyncOptions{Bounds: b})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSyncBroadcastFailsUnderOmission(t *testing.T) {
	rep := exploreSync(t, "bcast.ded", SyncBounds{EOT: 4, EFF: 2})
	if rep.Verdict != SyncCounterexample {
		t.Fatalf("verdict %s, want counterexample\n%s", rep.Verdict, rep.Text())
	}
	f := rep.Failure
	// Shrunk: one lost channel from the sender in round 1, no crash.
	if len(f.Losses) != 1 || len(f.Crashes) != 0 || f.Losses[0].From != "sender[0]" || f.Losses[0].Time != 1 {
		t.Fatalf("counterexample not minimal:\n%s", rep.Text())
	}
	if f.Violations[0].Fact.String() != "missing(7)" || f.Violations[0].Node != f.Losses[0].To {
		t.Fatalf("violation %v does not match the loss %v", f.Violations, f.Losses)
	}
	if f.Trace == nil || !strings.Contains(f.Trace.String(), "reason=omission") {
		t.Fatalf("trace does not show the drop:\n%s", f.Trace)
	}
}

func TestSyncBroadcastNoFaultsCertified(t *testing.T) {
	rep := exploreSync(t, "bcast.ded", SyncBounds{EOT: 4, EFF: 0})
	if rep.Verdict != SyncCertified || rep.Runs != 1 || rep.Hash == "" {
		t.Fatalf("want a certificate over one run:\n%s", rep.Text())
	}
}

func TestSyncRetrySurvivesOmissionNotCrash(t *testing.T) {
	rep := exploreSync(t, "bcast_retry.ded", SyncBounds{EOT: 4, EFF: 3})
	if rep.Verdict != SyncCertified {
		t.Fatalf("retries should survive losses before EFF:\n%s", rep.Text())
	}
	// Rounds 1 and 2 may each lose any subset of the two channels: 4 * 4 runs
	// unless states merge.
	if rep.Runs+rep.Merged < 16 || rep.States < 4 {
		t.Fatalf("search too small for exhaustive coverage:\n%s", rep.Text())
	}
	// EFF = EOT: the last retry may be lost too.
	if rep := exploreSync(t, "bcast_retry.ded", SyncBounds{EOT: 4, EFF: 4}); rep.Verdict != SyncCounterexample {
		t.Fatalf("losses up to EOT should defeat retries:\n%s", rep.Text())
	}
	rep = exploreSync(t, "bcast_retry.ded", SyncBounds{EOT: 4, EFF: 3, Crashes: 1})
	if rep.Verdict != SyncCounterexample {
		t.Fatalf("a crashed sender should defeat retries:\n%s", rep.Text())
	}
	f := rep.Failure
	if len(f.Crashes) != 1 || f.Crashes[0] != (SyncCrash{Node: "sender[0]", Time: 1}) || len(f.Losses) != 0 {
		t.Fatalf("counterexample not shrunk to the sender's crash:\n%s", rep.Text())
	}
}

func TestSync2PCCrashingCoordinator(t *testing.T) {
	rep := exploreSync(t, "2pc_crash.ded", SyncBounds{EOT: 8, EFF: 3})
	if rep.Verdict != SyncCertified {
		t.Fatalf("2PC with retries should survive early losses:\n%s", rep.Text())
	}
	rep = exploreSync(t, "2pc_crash.ded", SyncBounds{EOT: 8, EFF: 3, Crashes: 1})
	if rep.Verdict != SyncCounterexample {
		t.Fatalf("a crashed coordinator should block 2PC:\n%s", rep.Text())
	}
	f := rep.Failure
	if len(f.Crashes) != 1 || f.Crashes[0].Node != "coord[0]" || f.Violations[0].Fact.Rel != "undecided" {
		t.Fatalf("want the coordinator's crash and an undecided participant:\n%s", rep.Text())
	}
}

func TestSyncBoundIsUnknown(t *testing.T) {
	rep, err := ExploreSync(*loadSyncFile(t, "bcast_retry.ded"), SyncOptions{Bounds: SyncBounds{EOT: 4, EFF: 3}, MaxStates: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != SyncUnknown || !strings.Contains(rep.Bound, "raise SyncOptions.MaxStates") || rep.Limit != BoundSyncStates {
		t.Fatalf("want Unknown naming the bound:\n%s", rep.Text())
	}
}

func TestSyncBadBounds(t *testing.T) {
	for _, b := range []SyncBounds{{EOT: 0}, {EOT: 3, EFF: -1}, {EOT: 3, Crashes: 9}} {
		if _, err := ExploreSync(*loadSyncFile(t, "bcast.ded"), SyncOptions{Bounds: b}); err == nil {
			t.Errorf("bounds %+v accepted", b)
		}
	}
}

// TestSyncMergingMatchesBruteForce: cutting a branch that reaches an
// already expanded state, and not branching on channels the spec does not
// depend on, never changes the verdict or the runs covered; merging alone
// does not change the counterexample found first either.
func TestSyncMergingMatchesBruteForce(t *testing.T) {
	targets := map[string]*SyncTarget{}
	files := []string{"bcast.ded", "bcast_retry.ded", "2pc_crash.ded", "bcast_chatter.ded"}
	for _, f := range files {
		targets[f] = loadSyncFile(t, f)
	}
	rapid.Check(t, func(rt *rapid.T) {
		f := rapid.SampledFrom(files).Draw(rt, "program")
		eot := rapid.Int64Range(1, 6).Draw(rt, "eot")
		b := SyncBounds{EOT: eot, EFF: rapid.Int64Range(0, eot).Draw(rt, "eff"), Crashes: rapid.IntRange(0, 1).Draw(rt, "crashes")}
		merged, err := ExploreSync(*targets[f], SyncOptions{Bounds: b})
		if err != nil {
			rt.Fatal(err)
		}
		brute, err := ExploreSync(*targets[f], SyncOptions{Bounds: b, noMerge: true, noPrune: true})
		if err != nil {
			rt.Fatal(err)
		}
		if merged.Verdict != brute.Verdict || merged.Scenarios != brute.Scenarios {
			rt.Fatalf("merged:\n%s\nbrute force:\n%s", merged.Text(), brute.Text())
		}
		if merged.Verdict == SyncCertified && (merged.Covered != brute.Covered || brute.Covered != uint64(brute.Runs)) {
			rt.Fatalf("covered %d (merged) vs %d (brute force, %d runs)", merged.Covered, brute.Covered, brute.Runs)
		}
		if merged.Verdict == SyncCounterexample && merged.Pruned == 0 {
			m, bf := merged.Failure, brute.Failure
			if listOrNone(m.Losses) != listOrNone(bf.Losses) || listOrNone(m.Crashes) != listOrNone(bf.Crashes) {
				rt.Fatalf("different counterexamples:\n%s\n%s", merged.Text(), brute.Text())
			}
		}
	})
}

func TestSyncPrunesChatter(t *testing.T) {
	b := SyncBounds{EOT: 5, EFF: 4}
	rep := exploreSync(t, "bcast_chatter.ded", b)
	brute, err := ExploreSync(*loadSyncFile(t, "bcast_chatter.ded"), SyncOptions{Bounds: b, noMerge: true, noPrune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != SyncCertified || brute.Verdict != SyncCertified || rep.Pruned == 0 {
		t.Fatalf("want certificates and pruned pong channels:\n%s\n%s", rep.Text(), brute.Text())
	}
	if rep.Covered != brute.Covered || brute.Covered != uint64(brute.Runs) || rep.Runs >= brute.Runs {
		t.Fatalf("pruned search covers %d runs in %d, brute force %d in %d", rep.Covered, rep.Runs, brute.Covered, brute.Runs)
	}
	t.Logf("pruned+merged: %d runs, %d states; brute force: %d runs, %d states", rep.Runs, rep.States, brute.Runs, brute.States)
}
