package realnet

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// LoadProgram reads a program from a file, or from the embedded corpus
// when the name starts with corpus/ and no such file exists, and analyses
// it. Diagnostics come back as one error, one per line.
func LoadProgram(name string) (*analysis.Program, []byte, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		if !strings.HasPrefix(name, corpus.Prefix) || !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
		if src, err = corpus.Open(name); err != nil {
			return nil, nil, err
		}
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		var b strings.Builder
		for i, d := range diags {
			if i > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprint(&b, d)
		}
		return nil, nil, errors.New(b.String())
	}
	return p, src, nil
}
