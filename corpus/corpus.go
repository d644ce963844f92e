// Package corpus embeds dsim's protocol programs (.ded files) so that the
// command line and tests can name them as corpus/<path>.ded without a
// checkout: corpus/hashset/base.ded is the paper's running example,
// corpus/2pc/... two-phase commit, and so on.
package corpus

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// FS holds every embedded program, at paths like hashset/base.ded.
//
//go:embed *
var FS embed.FS

// Prefix is how programs are named on the command line.
const Prefix = "corpus/"

// Open returns the source of an embedded program named like
// corpus/hashset/base.ded (the corpus/ prefix is optional).
func Open(name string) ([]byte, error) {
	p := strings.TrimPrefix(name, Prefix)
	src, err := FS.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("no embedded program %s (try one of: %s)", name, strings.Join(Programs(), ", "))
	}
	return src, nil
}

// Programs lists the embedded programs as corpus/<path>.ded, sorted. It
// leaves out regressions/: programs there carry planted bugs on purpose
// (they are replayed by reproducers, see docs/SEMANTICS.md, Exploration).
func Programs() []string {
	var out []string
	_ = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".ded") && !strings.Contains(path, "testdata/") && !strings.HasPrefix(path, "regressions/") {
			out = append(out, Prefix+path)
		}
		return nil
	})
	sort.Strings(out)
	return out
}
