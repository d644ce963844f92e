package viz

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dsim-project/dsim/sim"
)

// findChromium returns the path of a Chromium binary on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium returns the path of chromium, or skips the test saying how
// to install it.
func needChromium(t *testing.T) string {
	t.Helper()
	chromium := findChromium()
	if chromium == "" {
		t.Skip("SKIPPED: headless-browser test needs chromium on PATH; install the Debian package `chromium` " +
			"(apt-get install -y chromium; .ci/run does this when CI=true)")
	}
	return chromium
}

// renderInChromium opens page (with the URL fragment, "" for none) in
// headless Chromium and returns the DOM after the page's script ran, and a
// reader of the #summary element's attributes (unescaped). It fails the
// test unless the script marked #summary data-rendered="yes".
func renderInChromium(t *testing.T, chromium string, page []byte, fragment string) ([]byte, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+file+fragment)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium failed: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`<div id="summary"[^>]*>`).Find(dom)
	if m == nil {
		t.Fatalf("no #summary element in the rendered DOM:\n%.2000s", dom)
	}
	attr := func(name string) string {
		a := regexp.MustCompile(name + `="([^"]*)"`).FindSubmatch(m)
		if a == nil {
			return ""
		}
		return html.UnescapeString(string(a[1]))
	}
	if attr("data-rendered") != "yes" {
		t.Fatalf("the page's script did not run: %s", m)
	}
	return dom, attr
}

// TestBrowserRendersDiagram opens a generated page in headless Chromium and
// reads the DOM after the page's script ran: the #summary element the
// script fills must list the expected lanes, message arrows and drops.
func TestBrowserRendersDiagram(t *testing.T) {
	chromium := needChromium(t)
	c := traceCases[1] // hashset with an omission and a crash
	tr, d := buildCase(t, c)
	var b bytes.Buffer
	if err := WriteHTML(&b, d, "hashset-faults"); err != nil {
		t.Fatal(err)
	}
	// Open the page on a tick that consumed something, so that the side
	// panel lists its facts.
	tick := -1
	for i, tk := range d.Ticks {
		if len(tk.Consumed) > 0 && len(tk.Produced) > 0 {
			tick = i
			break
		}
	}
	if tick < 0 {
		t.Fatal("the test trace should hold a tick that consumes and produces facts")
	}
	dom, attr := renderInChromium(t, chromium, b.Bytes(), fmt.Sprintf("#tick=%d", tick))
	k := countKinds(tr)
	if k[sim.EvDrop] == 0 || k[sim.EvCrash] == 0 {
		t.Fatalf("the test trace should hold drops and a crash: %v", k)
	}
	checks := []struct{ attr, want string }{
		{"data-lane-names", "client 0,leader[0],storage[0],storage[1],storage[2]"},
		{"data-lanes", "5"},
		{"data-messages", fmt.Sprint(k[sim.EvDeliver])},
		{"data-drops", fmt.Sprint(k[sim.EvDrop])},
		{"data-ticks", fmt.Sprint(k[sim.EvTick])},
		{"data-inputs", fmt.Sprint(k[sim.EvInput])},
		{"data-crashes", fmt.Sprint(k[sim.EvCrash])},
	}
	for _, c := range checks {
		if got := attr(c.attr); got != c.want {
			t.Errorf("rendered %s = %q, want %q", c.attr, got, c.want)
		}
	}
	panel := regexp.MustCompile(`(?s)<div id="details" data-shown="tick (\d+)">(.*?)</div></aside>`).FindSubmatch(dom)
	if panel == nil || string(panel[1]) != fmt.Sprint(tick) {
		t.Fatalf("the side panel does not show tick %d:\n%.3000s", tick, dom)
	}
	tk := d.Ticks[tick]
	for _, f := range append(append([]string{d.Lanes[tk.Lane].Name}, tk.Consumed...), tk.Produced...) {
		if !bytes.Contains(panel[2], []byte(html.EscapeString(f))) {
			t.Errorf("the side panel for tick %d does not list %q:\n%s", tick, f, panel[2])
		}
	}
}

// TestBrowserRendersSideBySide opens a side-by-side counterexample page in
// headless Chromium: the page's script must have run over the aligned
// table, found the offending cells, and the offending fact must be on the
// rendered page (in the marked notes and the heading).
func TestBrowserRendersSideBySide(t *testing.T) {
	chromium := needChromium(t)
	sb, offending := sideCase(t)
	var b bytes.Buffer
	if err := WriteSideBySideHTML(&b, sb, "side-by-side"); err != nil {
		t.Fatal(err)
	}
	dom, attr := renderInChromium(t, chromium, b.Bytes(), "")
	tab := sb.table()
	marked := 0
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			if c.Offending {
				marked++
			}
		}
	}
	if marked == 0 {
		t.Fatal("the test case should mark the offending output")
	}
	checks := []struct{ attr, want string }{
		{"data-columns", fmt.Sprint(len(tab.Columns))},
		{"data-rows", fmt.Sprint(len(tab.Rows))},
		{"data-offending-cells", fmt.Sprint(marked)},
	}
	for _, c := range checks {
		if got := attr(c.attr); got != c.want {
			t.Errorf("rendered %s = %q, want %q", c.attr, got, c.want)
		}
	}
	if got := attr("data-offending-notes"); !strings.Contains(got, "OFFENDING ") || !strings.Contains(got, offending) {
		t.Errorf("the rendered notes do not mark the offending fact %s: %q", offending, got)
	}
	if got := attr("data-why"); got != "  derivation in the rewritten run:" {
		t.Errorf("the rendered page's why section starts %q", got)
	}
	if h := regexp.MustCompile(`id="offending-fact">([^<]*)</span>`).FindSubmatch(dom); h == nil || html.UnescapeString(string(h[1])) != offending {
		t.Errorf("the rendered page does not name the offending fact %s", offending)
	}
}
