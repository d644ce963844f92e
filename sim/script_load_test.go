package sim

import (
	"strings"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// scriptLoad: `load [CORPUS_PATH]` loads a corpus program, or the
// program given as the input lines, and resets the configuration.
func scriptLoad(env *scriptEnv, c scriptCase) (string, error) {
	fields := strings.Fields(c.cmd)
	var src []byte
	name := "script.ded"
	if len(fields) > 1 {
		var err error
		name = fields[1]
		if src, err = corpus.Open(name); err != nil {
			return "", err
		}
	} else {
		src = []byte(strings.Join(c.input, "\n"))
	}
	prog, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		return diags.Render(src), nil
	}
	env.prog, env.cfg = prog, Config{}
	return "ok", nil
}
