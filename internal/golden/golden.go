// Package golden keeps files, and marked sections of files, equal to what
// code derives from the specs and the registry, so that nobody edits them by
// hand: a test compares, and with BILLBRIDGE_UPDATE_DOCS=1 (make docs) it
// writes what it derived instead.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Update reports whether the tests rewrite (BILLBRIDGE_UPDATE_DOCS=1) rather
// than compare.
func Update() bool { return os.Getenv("BILLBRIDGE_UPDATE_DOCS") == "1" }

// File checks that path holds exactly want, or writes it under Update.
func File(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil && !(Update() && os.IsNotExist(err)) {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if Update() {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale: run `make docs` (it is derived, not edited by hand)\n--- have\n%s\n--- derived\n%s", path, got, want)
}

// Section checks the text of path between the lines "<!-- name…-->" and
// "<!-- /name -->" against body, or rewrites it under Update. The opening
// marker line is kept as it is, so it can say where the section comes from.
func Section(t testing.TB, path, name string, body string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	open, closing := "<!-- "+name, "<!-- /"+name+" -->"
	i := strings.Index(text, open)
	if i < 0 {
		t.Fatalf("%s has no %q marker", path, open)
	}
	nl := strings.Index(text[i:], "\n")
	j := strings.Index(text, closing)
	if nl < 0 || j < i+nl {
		t.Fatalf("%s: no %q after %q", path, closing, open)
	}
	start := i + nl + 1
	body = strings.TrimRight(body, "\n") + "\n"
	if text[start:j] == body {
		return
	}
	if Update() {
		if err := os.WriteFile(path, []byte(text[:start]+body+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s, section %s, is stale: run `make docs` (it is derived, not edited by hand)\n--- have\n%s--- derived\n%s", path, name, text[start:j], body)
}

// Table renders a Markdown table: the header row, the separator, then rows.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	line := func(cells []string) { fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | ")) }
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
