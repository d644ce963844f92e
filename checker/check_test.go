package checker

import (
	"testing"

	"dsim/corpus"
	"dsim/semantics/analysis"
)

func load(t testing.TB, name string) *analysis.Program {
	t.Helper()
	src, err := corpus.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

func TestQuick(t *testing.T) {
	for _, pair := range [][2]string{
		{"corpus/hashset/base.ded", "corpus/hashset/base.ded"},
		{"corpus/hashset/base.ded", "corpus/hashset/fig2-mutually-independent.ded"},
		{"corpus/2pc/base.ded", "corpus/2pc/scalable.ded"},
	} {
		rep, err := Check(load(t, pair[0]), load(t, pair[1]), Options{Runs: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(rep.Text(SavedFiles{}))
	}
}
