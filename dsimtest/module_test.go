package dsimtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestImportFromAnotherModule: a module outside dsim's (testdata/extmod,
// with a go.work listing it and this repository, as the README shows)
// imports dsim and passes its own go test with dsimtest. It proves the
// module path is importable and that nothing it needs is internal.
func TestImportFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and tests another module")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "extmod"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "test", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, "go.work"), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in %s: %v\n%s", dir, err, out)
	}
}
