package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestSyncShrinkIsMinimal: the sync shrinker (Reduce over one crash or
// loss fewer), started from any failing set of crashes and losses, ends at
// a subset that still fails the same way and from which no single crash or
// loss can be dropped without losing the failure.
func TestSyncShrinkIsMinimal(t *testing.T) {
	files := []string{"bcast.ded", "bcast_retry.ded", "2pc_crash.ded", "bcast_chatter.ded"}
	targets := map[string]*SyncTarget{}
	for _, f := range files {
		targets[f] = loadSyncFile(t, f)
	}
	shrunk := 0
	rapid.Check(t, func(rt *rapid.T) {
		tg := *targets[rapid.SampledFrom(files).Draw(rt, "program")]
		eot := rapid.Int64Range(2, 5).Draw(rt, "eot")
		b := SyncBounds{EOT: eot, EFF: rapid.Int64Range(1, eot).Draw(rt, "eff"), Crashes: 2}
		sys, err := newSyncSystem(tg)
		if err != nil {
			rt.Fatal(err)
		}
		nodes := sys.locations()
		var crashes []SyncCrash
		for _, n := range nodes {
			if rapid.IntRange(0, 3).Draw(rt, "crash?") == 0 {
				crashes = append(crashes, SyncCrash{Node: n, Time: rapid.Int64Range(1, eot).Draw(rt, "crash time")})
			}
		}
		losses := rapid.SliceOfN(rapid.Custom(func(rt *rapid.T) SyncLoss {
			return SyncLoss{From: rapid.SampledFrom(nodes).Draw(rt, "from"), To: rapid.SampledFrom(nodes).Draw(rt, "to"),
				Time: rapid.Int64Range(1, max(1, b.EFF-1)).Draw(rt, "time")}
		}), 0, 6).Draw(rt, "losses")
		run, err := RunSync(tg, b, crashes, losses)
		if err != nil {
			rt.Fatal(err)
		}
		if len(run.Violations) == 0 {
			rt.Skip("no failure to shrink")
		}
		s := &syncSearch{sys: sys, opts: SyncOptions{Bounds: b}}
		out, err := s.finish(&SyncFailure{Crashes: crashes, Losses: losses, Violations: run.Violations})
		if err != nil {
			rt.Fatal(err)
		}
		if out.SizeAfter < out.SizeBefore {
			shrunk++
		}
		if !sameFailure(run.Violations, out.Violations) {
			rt.Fatalf("shrunk run fails otherwise: %v, want %v", out.Violations, run.Violations)
		}
		for _, c := range out.Crashes {
			if !slices.Contains(crashes, c) {
				rt.Fatalf("shrunk crash %s was not in the run", c)
			}
		}
		for _, l := range out.Losses {
			if !slices.Contains(losses, l) {
				rt.Fatalf("shrunk loss %s was not in the run", l)
			}
		}
		for i := range out.Crashes {
			r, err := RunSync(tg, b, slices.Delete(slices.Clone(out.Crashes), i, i+1), out.Losses)
			if err != nil {
				rt.Fatal(err)
			}
			if sameFailure(run.Violations, r.Violations) {
				rt.Fatalf("crash %s could still be dropped: %v", out.Crashes[i], out.Crashes)
			}
		}
		for i := range out.Losses {
			r, err := RunSync(tg, b, out.Crashes, slices.Delete(slices.Clone(out.Losses), i, i+1))
			if err != nil {
				rt.Fatal(err)
			}
			if sameFailure(run.Violations, r.Violations) {
				rt.Fatalf("loss %s could still be dropped: %v", out.Losses[i], out.Losses)
			}
		}
	})
	if shrunk == 0 {
		t.Fatal("no drawn run shrank: the property did not exercise the shrinker")
	}
}
