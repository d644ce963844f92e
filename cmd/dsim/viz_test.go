package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVizCommand runs `dsim run --trace t.json` then `dsim viz` on it, and
// checks exit statuses and the shape of what viz prints or writes.
func TestVizCommand(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.json")
	textTrace := filepath.Join(dir, "t.txt")
	page := filepath.Join(dir, "t.html")
	var out, errOut bytes.Buffer
	if code := run([]string{"dsim", "run", "corpus/hashset/base.ded", "--seed", "4", "--requests", "2",
		"--faults", "omission storage[1] p=0.6 until=40; crash storage[2] at=6", "--trace", trace}, &out, &errOut); code != 0 {
		t.Fatalf("dsim run: exit %d\n%s", code, errOut.String())
	}
	if code := run([]string{"dsim", "run", "corpus/hashset/base.ded", "--trace", textTrace}, &out, &errOut); code != 0 {
		t.Fatalf("dsim run: exit %d\n%s", code, errOut.String())
	}
	// The same faulty run in the text form.
	faultyText := filepath.Join(dir, "faulty.trace")
	if code := run([]string{"dsim", "run", "corpus/hashset/base.ded", "--seed", "4", "--requests", "2",
		"--faults", "omission storage[1] p=0.6 until=40; crash storage[2] at=6", "--trace", faultyText}, &out, &errOut); code != 0 {
		t.Fatalf("dsim run: exit %d\n%s", code, errOut.String())
	}
	badText := filepath.Join(dir, "bad.trace")
	if err := os.WriteFile(badText, []byte("@0 crash a[0]\n@1 crash a[1] now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring expected on standard output
		stderr   string // substring expected on standard error
		wantPage bool
	}{
		{name: "ascii", args: []string{trace, "--ascii"}, stdout: "time | client 0 | leader[0]"},
		{name: "ascii shows the drop", args: []string{trace, "--ascii"}, stdout: "DROPPED @0 (omission)"},
		{name: "html after the trace", args: []string{trace, "-o", page}, wantPage: true},
		{name: "html to stdout", args: []string{"--output", "-", trace}, stdout: `<svg xmlns="http://www.w3.org/2000/svg"`},
		{name: "nothing to draw", args: []string{trace}, code: 3, stderr: "-o FILE for an HTML page, --ascii for text"},
		{name: "no trace", args: []string{"--ascii"}, code: 3, stderr: "takes one trace file, got 0"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json"), "--ascii"}, code: 3, stderr: "no such file"},
		{name: "text trace", args: []string{textTrace, "--ascii"}, stdout: "time | leader[0] | storage[0]"},
		{name: "text trace of faults", args: []string{faultyText, "--ascii"}, stdout: "DROPPED @0 (omission)"},
		{name: "text trace html", args: []string{faultyText, "-o", page}, wantPage: true},
		{name: "bad text trace", args: []string{badText, "--ascii"}, code: 3, stderr: "bad.trace:2:15: unexpected `now` after a crash event"},
		{name: "over the bound", args: []string{trace, "--ascii", "--max-events", "3"}, code: 2, stderr: "raise --max-events or shorten the run"},
		{name: "bad bound", args: []string{trace, "--ascii", "--max-events", "0"}, code: 3, stderr: "--max-events 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(page)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"dsim", "viz"}, c.args...), &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, c.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout does not contain %q:\n%.1500s", c.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", c.stderr, stderr.String())
			}
			if c.wantPage {
				data, err := os.ReadFile(page)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !bytes.Contains(data, []byte(`class="drop"`)) {
					t.Errorf("the page is not an HTML diagram with a drop:\n%.500s", data)
				}
			}
		})
	}
}
