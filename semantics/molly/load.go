package molly

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file reads the files of one program: those named on the command
// line and, transitively, their includes.

// maxFiles bounds the files of one program (includes included).
const maxFiles = 1000

// ReadFunc reads a file by path; os.ReadFile by default.
type ReadFunc func(path string) ([]byte, error)

// Sources maps each file read to its text, for rendering diagnostics.
type Sources map[string][]byte

// Render renders diagnostics with the source line of each one's file.
func (s Sources) Render(ds syntax.Diagnostics) string {
	out := ""
	for _, d := range ds {
		out += d.Render(s[d.File])
	}
	return out
}

// readAll parses paths and their includes, each file once (an include
// cycle is harmless). An include is resolved relative to the directory of
// the including file and, when no such file exists, relative to the
// directory of the first file named (where Molly itself looks).
func readAll(paths []string, read ReadFunc) ([]*file, Sources, syntax.Diagnostics) {
	if read == nil {
		read = os.ReadFile
	}
	srcs := Sources{}
	var files []*file
	var diags syntax.Diagnostics
	seen := map[string]bool{}
	var load func(path string, from *include, fromFile string)
	load = func(path string, from *include, fromFile string) {
		key := filepath.Clean(path)
		if seen[key] {
			return
		}
		seen[key] = true
		if len(files) >= maxFiles {
			diags = append(diags, syntax.Diagnostic{File: fromFile, Pos: from.pos, Msg: fmt.Sprintf("more than %d files", maxFiles), Hint: "check the includes for a runaway chain"})
			return
		}
		src, err := read(path)
		if err != nil {
			if from == nil {
				diags = append(diags, syntax.Diagnostic{File: path, Pos: syntax.Pos{Line: 1, Col: 1}, Msg: err.Error(), Hint: "give the path of a .ded file"})
			} else {
				diags = append(diags, syntax.Diagnostic{File: fromFile, Pos: from.pos, Msg: fmt.Sprintf("cannot read included file %q: %v", from.path, err),
					Hint: "an include path is relative to the including file (or to the first file's directory)"})
			}
			return
		}
		f, ds := parseFile(path, src)
		srcs[path] = src
		files = append(files, f)
		diags = append(diags, ds...)
		for i := range f.includes {
			inc := &f.includes[i]
			p := inc.path
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), inc.path)
				if _, err := read(p); errors.Is(err, fs.ErrNotExist) && len(paths) > 0 {
					if alt := filepath.Join(filepath.Dir(paths[0]), inc.path); alt != p {
						if _, err := read(alt); err == nil {
							p = alt
						}
					}
				}
			}
			load(p, inc, path)
		}
	}
	for _, p := range paths {
		load(p, nil, "")
	}
	return files, srcs, diags
}
