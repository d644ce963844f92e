package importer

import (
	"os"
	"testing"

	"pgregory.net/rapid"
)

// Bad input never panics: manifests and role files edited at random
// (bytes replaced, inserted, deleted, the file cut) give a program or
// positioned errors.
func TestHostileInputs(t *testing.T) {
	files := map[string]string{}
	for _, name := range []string{"testdata/2pc/base.toml", "testdata/2pc/coordinator.rs", "testdata/2pc/participant.rs"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	names := []string{"testdata/2pc/base.toml", "testdata/2pc/coordinator.rs", "testdata/2pc/participant.rs"}
	alphabet := []byte("[]{}=\",.#@:-~!()_ \n\tabcxyz019r`'/*")
	rapid.Check(t, func(rt *rapid.T) {
		edited := map[string]string{}
		for k, v := range files {
			edited[k] = v
		}
		target := rapid.SampledFrom(names).Draw(rt, "file")
		b := []byte(edited[target])
		for range rapid.IntRange(1, 6).Draw(rt, "edits") {
			if len(b) == 0 {
				break
			}
			at := rapid.IntRange(0, len(b)-1).Draw(rt, "at")
			c := rapid.SampledFrom(alphabet).Draw(rt, "byte")
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0:
				b[at] = c
			case 1:
				b = append(b[:at], append([]byte{c}, b[at:]...)...)
			case 2:
				b = append(b[:at], b[at+1:]...)
			default:
				b = b[:at]
			}
		}
		edited[target] = string(b)
		res, err := Import("testdata/2pc/base.toml", memFS(edited), "")
		if (res == nil) == (err == nil) {
			rt.Fatalf("Import returned result %v and error %v", res != nil, err)
		}
		if err != nil {
			for _, d := range err.Diags {
				if d.File == "" || !d.Pos.IsValid() || d.Msg == "" {
					rt.Fatalf("diagnostic without a position or message: %+v", d)
				}
			}
			_ = err.Render()
		}
	})
}
