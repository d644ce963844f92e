package sim

import (
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// loadProgram loads a corpus program or, when src is given, source text.
func loadProgram(t testing.TB, name string, src string) *analysis.Program {
	t.Helper()
	data := []byte(src)
	if src == "" {
		var err error
		if data, err = corpus.Open(name); err != nil {
			t.Fatal(err)
		}
	}
	prog, diags := analysis.Load(name, data)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(data))
	}
	return prog
}

// broadcastSrc is a monotone program: a forwards every input to each b,
// which answers got(v, me).
const broadcastSrc = `
.decl fwd(v: int)
component a {
  .input in(v: int)
  fwd@x(v) :~ in(v), b(x).
}
component b[3] {
  .output got(v: int, at: addr)
  got(v, me) :- fwd(v), self(me).
}
`
