// Package golden is the one golden-file helper of dsim's tests: a single
// -rewrite flag (go test ./PKG -rewrite regenerates the package's golden
// files) and Check, which compares output with a file under testdata/ or
// rewrites it. Test files import it; no production code does.
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata/ with the current output")

// Rewrite reports whether the test run was asked to regenerate its golden
// files (go test -rewrite); tests whose expected output lives inside a
// larger file (sim's scripts, the checker's reproducers) use it directly.
func Rewrite() bool { return *rewrite }

// Check compares got with the file at path, or, with -rewrite, writes got
// there. A mismatch fails t with a diff (-want +got).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *rewrite {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -rewrite creates it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -rewrite regenerates it):\n%s", path, diff)
	}
}
