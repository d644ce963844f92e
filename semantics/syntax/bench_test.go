package syntax

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParse parses the largest example program repeated 50 times and
// reports bytes/s (via SetBytes) and rules/s.
func BenchmarkParse(b *testing.B) {
	var largest []byte
	for _, file := range programFiles(b) {
		src, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		if len(src) > len(largest) {
			largest = src
		}
	}
	// Repeated components are still syntactically valid (analysis would
	// reject the duplicates, but the parser does not care).
	src := bytes.Repeat(append(largest, '\n'), 50)
	f, diags := ParseFile("bench.ded", src)
	if len(diags) > 0 {
		b.Fatal(diags.Error())
	}
	rules := countRules(f.Items)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ParseFile("bench.ded", src)
	}
	b.ReportMetric(float64(rules)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
}

func countRules(items []Item) int {
	n := 0
	for _, it := range items {
		switch it := it.(type) {
		case *Rule:
			n++
		case *Component:
			n += countRules(it.Items)
		}
	}
	return n
}
