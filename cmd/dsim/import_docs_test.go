package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rustBlock matches a fenced block holding an artifact role file.
var rustBlock = regexp.MustCompile("(?s)```rust\n(.*?)```")

// TestDocRoleFileExamples: every block fenced as `rust` in docs/LANGUAGE.md
// is an artifact role file that `dsim vet` accepts (exit 0, warnings only).
func TestDocRoleFileExamples(t *testing.T) {
	text, err := os.ReadFile("../../docs/LANGUAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := rustBlock.FindAllSubmatch(text, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/LANGUAGE.md has no rust (role file) example")
	}
	for i, m := range blocks {
		name := filepath.Join(t.TempDir(), "role.rs")
		if err := os.WriteFile(name, m[1], 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		code := run([]string{"dsim", "vet", name}, &out, &errOut)
		if code != 0 || out.Len() > 0 {
			t.Errorf("role file example %d: vet exit %d\n%s%s", i+1, code, out.String(), errOut.String())
		}
		for _, line := range strings.Split(errOut.String(), "\n") {
			if strings.HasPrefix(line, name) && !strings.Contains(line, ": warning: ") {
				t.Errorf("role file example %d: %s", i+1, line)
			}
		}
		if !strings.Contains(errOut.String(), "warning: relation periodic is never used") {
			t.Errorf("role file example %d: the text promises a warning for periodic; stderr:\n%s", i+1, errOut.String())
		}
	}
}
