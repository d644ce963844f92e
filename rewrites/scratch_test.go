package rewrites

import (
	"os"
	"testing"
)

func TestScratch(t *testing.T) {
	src, _ := os.ReadFile("../corpus/hashset/base.ded")
	name := "base.ded"
	for _, pf := range []string{"fig2", "fig3", "fig4", "fig5", "fig6"} {
		pl, _ := os.ReadFile("../corpus/plans/hashset-" + pf + ".plan")
		steps, err := ParsePlan(pf, pl)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ApplyAll(name, src, steps)
		if err != nil {
			if d, ok := err.(*Refusal); ok {
				t.Fatal(d.Render(src))
			}
			t.Fatal(err)
		}
		src = res[len(res)-1].Source
		t.Logf("%s:\n%s", pf, src)
	}
}
