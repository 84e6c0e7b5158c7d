package main

import (
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

// downloadFake is a Meteroid fake holding n finalized invoices (ACTIVE
// subscriptions synced through the CLI), with the environment pointing the
// CLI at it. requests counts the requests the fake receives from then on;
// storing an invoice id in cut cuts every answer to that invoice's
// download in half (fault.TruncatedJSON: the body ends cleanly, its length
// recomputed).
type downloadFake struct {
	srv      *meteroidtest.Server
	ids      []string
	requests atomic.Int64
	cut      atomic.Value
}

func newDownloadFake(t *testing.T, n int) *downloadFake {
	t.Helper()
	d := &downloadFake{}
	d.cut.Store("")
	armed := atomic.Bool{}
	d.srv = meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(n), meteroidtest.WithFaults(fault.Config{
		Rates: map[fault.Kind]float64{fault.TruncatedJSON: 1},
		Skip: func(r *http.Request) bool {
			if !armed.Load() {
				return true
			}
			d.requests.Add(1)
			id := d.cut.Load().(string)
			return id == "" || r.URL.Path != "/api/v1/invoices/"+id+"/download"
		}}))
	t.Setenv("METEROID_BASE_URL", d.srv.URL)
	t.Setenv("METEROID_API_KEY", d.srv.APIKey)
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"plan_id":%q,"customer_id_or_alias":"alias-%d","start_date":"2026-01-01","activation_condition":"ON_START","skip_past_invoices":true}`+"\n",
			meteroidtest.PlanStarter, i)
	}
	if code, stdout, stderr := runCLI(t, b.String(), "sync", "meteroid", "subscriptions", "-"); code != exitOK {
		t.Fatalf("sync: exit %d %s %s", code, stdout, stderr)
	}
	for _, inv := range d.srv.Invoices() {
		d.ids = append(d.ids, inv.Id)
	}
	if len(d.ids) != n {
		t.Fatalf("%d invoices, want %d", len(d.ids), n)
	}
	armed.Store(true)
	return d
}

// files lists every file and directory under root, relative to it.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(root, path); rel != "." {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isPDF(data []byte) bool {
	return strings.HasPrefix(string(data), "%PDF-") && strings.HasSuffix(string(data), "%%EOF\n")
}

// TestDownloadDir: --dir puts each PDF in DIR, for ids given as arguments
// and read with --from; each line names the path written; an existing
// file of the same name is replaced by the whole PDF; nothing lands in the
// working directory.
func TestDownloadDir(t *testing.T) {
	d := newDownloadFake(t, 3)
	root := t.TempDir()
	t.Chdir(root)
	out := filepath.Join("out", "pdfs")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, d.ids[0]+".pdf"), []byte("an older download"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("ids.txt", []byte(d.ids[2]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "download", "meteroid", "invoices", d.ids[0], "--dir", out, d.ids[1], "--from", "ids.txt")
	lines := idLines(t, stdout)
	if code != exitOK || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines: %s %s", code, len(lines), stdout, stderr)
	}
	for i, l := range lines {
		want := filepath.Join(out, d.ids[i]+".pdf")
		data, err := os.ReadFile(want)
		if l.ID != d.ids[i] || !l.OK || l.Status != 200 || l.Path != want || err != nil || !isPDF(data) {
			t.Errorf("line %d: %+v; %s: %v", i, l, want, err)
		}
	}
	wantFiles := []string{"ids.txt", "out", out}
	for _, id := range d.ids {
		wantFiles = append(wantFiles, filepath.Join(out, id+".pdf"))
	}
	if got := files(t, root); !sameSet(got, wantFiles) {
		t.Errorf("files %q, want %q", got, wantFiles)
	}
}

// TestDownloadDirRefused: a --dir that is missing, a file, or empty is a
// usage error naming it before any request (the fake sees none), and
// nothing is created.
func TestDownloadDirRefused(t *testing.T) {
	d := newDownloadFake(t, 1)
	root := t.TempDir()
	t.Chdir(root)
	if err := os.WriteFile("a-file", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, says string }{
		{"missing", "--dir missing: no such directory"},
		{filepath.Join("missing", "deeper"), "--dir " + filepath.Join("missing", "deeper") + ": no such directory"},
		{"a-file", "--dir a-file: not a directory"},
		{"", "--dir: empty"},
	} {
		code, stdout, stderr := runCLI(t, d.ids[0]+"\n", "download", "meteroid", "invoices", "--dir", tc.dir, "--from", "-")
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.says) {
			t.Errorf("--dir %q: exit %d, stdout %q, stderr %q; want %d and %q", tc.dir, code, stdout, stderr, exitUsage, tc.says)
		}
	}
	if n := d.requests.Load(); n != 0 {
		t.Errorf("%d requests reached the fake, want none", n)
	}
	if got := files(t, root); !sameSet(got, []string{"a-file"}) {
		t.Errorf("files %q, want only a-file", got)
	}
}

// TestDownloadHostileIDs: ids from the arguments or a file that would make
// a name outside DIR, or no file name at all (separators, dot names, an
// absolute path, NUL and other control characters, invalid UTF-8, a name
// past 255 bytes) each fail alone without a request; nothing is written
// outside DIR and nothing but the one real PDF inside it.
func TestDownloadHostileIDs(t *testing.T) {
	d := newDownloadFake(t, 1)
	root := t.TempDir()
	t.Chdir(root)
	dir := filepath.Join("a", "b")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fromFile := []string{"../escaped", "../../../escaped", "x/../../escaped", `..\escaped`, "..", ".", "/tmp/escaped",
		"inv\x00escaped", "inv\x1b[2Jescaped", "inv\xffescaped", strings.Repeat("l", 300)}
	if err := os.WriteFile("ids.txt", []byte(strings.Join(fromFile, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "download", "meteroid", "invoices", "--dir", dir, "../../escaped", d.ids[0], "--from", "ids.txt")
	lines := idLines(t, stdout)
	ids := append([]string{"../../escaped", d.ids[0]}, fromFile...)
	if code != exitFailed || len(lines) != len(ids) {
		t.Fatalf("exit %d, %d lines, want %d and %d: %s %s", code, len(lines), exitFailed, len(ids), stdout, stderr)
	}
	for i, l := range lines {
		if i == 1 {
			if !l.OK || l.Path != filepath.Join(dir, d.ids[0]+".pdf") {
				t.Errorf("the real invoice: %+v", l)
			}
			continue
		}
		if l.OK || l.Status != 0 || l.Path != "" || !strings.Contains(l.Error, "field invoice_id") {
			t.Errorf("id %q: %+v, want a local refusal", ids[i], l)
		}
	}
	if n := d.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 (the real invoice)", n)
	}
	want := []string{"a", dir, filepath.Join(dir, d.ids[0]+".pdf"), "ids.txt"}
	if got := files(t, root); !sameSet(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if _, err := os.Stat("/tmp/escaped.pdf"); err == nil {
		t.Error("/tmp/escaped.pdf exists")
	}
}

// TestDownloadCutMidBody: one invoice's PDF comes cut in half on every
// attempt while the others come whole: its line reports the failure (exit
// 1), no file holds its name and no temporary file is left; the others
// are written.
func TestDownloadCutMidBody(t *testing.T) {
	d := newDownloadFake(t, 3)
	dir := t.TempDir()
	d.cut.Store(d.ids[1])
	code, stdout, stderr := runCLI(t, "", "download", "meteroid", "invoices", "--dir", dir, "--max-retries", "1", d.ids[0], d.ids[1], d.ids[2])
	lines := idLines(t, stdout)
	if code != exitFailed || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines: %s %s", code, len(lines), stdout, stderr)
	}
	for i, l := range lines {
		path := filepath.Join(dir, d.ids[i]+".pdf")
		data, err := os.ReadFile(path)
		if i == 1 {
			if l.OK || l.Path != "" || !strings.Contains(l.Error, "broke off") || err == nil {
				t.Errorf("the cut invoice: %+v; %s: %v", l, path, err)
			}
			continue
		}
		if !l.OK || l.Path != path || err != nil || !isPDF(data) {
			t.Errorf("invoice %d: %+v; %s: %v", i, l, path, err)
		}
	}
	if got, want := files(t, dir), []string{d.ids[0] + ".pdf", d.ids[2] + ".pdf"}; !sameSet(got, want) {
		t.Errorf("files %q, want %q (no temporary file left)", got, want)
	}
	if n := d.srv.Faults.Counts()[fault.TruncatedJSON]; n < 3 {
		t.Errorf("%d cut answers, want every attempt at the invoice cut", n)
	}
}

// TestVerbFlags: a verb's own flag is offered by the verb's help only, and
// a pair of the verb that does not declare it refuses it.
func TestVerbFlags(t *testing.T) {
	if code, _, stderr := runCLI(t, "", "download", "-h"); code != exitOK || !strings.Contains(stderr, "[--dir DIR]") || !strings.Contains(stderr, "-dir string") {
		t.Errorf("download -h: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "delete", "-h"); code != exitOK || strings.Contains(stderr, "-dir") {
		t.Errorf("delete -h: exit %d %q", code, stderr)
	}
	if !strings.Contains(usage, "[--from FILE|-] [--dir DIR] [flags]\n      pairs: meteroid invoices\n      --dir DIR") {
		t.Errorf("the overview does not show download's --dir:\n%s", usage)
	}
	// Every verb over ids builds its flags (a verb's own flag named like a
	// shared one would panic) and only those verbs have own flags.
	for _, verb := range eachVerbs {
		if code, _, stderr := runCLI(t, "", verb, "-h"); code != exitOK {
			t.Errorf("%s -h: exit %d %s", verb, code, stderr)
		}
	}
	for _, p := range providers {
		for _, r := range p.resources {
			for _, v := range r.verbs {
				if (len(v.flags) > 0 || v.paths) && v.each == nil {
					t.Errorf("%s %s %s: own flags or paths on a verb not over ids", v.name, p.name, r.name)
				}
			}
		}
	}
	fs := flag.NewFlagSet("download", flag.ContinueOnError)
	fs.String("dir", ".", "")
	if err := fs.Parse([]string{"--dir", "x"}); err != nil {
		t.Fatal(err)
	}
	other := &verbDef{name: "download"} // a pair of download without --dir
	if _, err := other.flagValues(fs, "download other pair"); err == nil || !strings.Contains(err.Error(), "--dir: download other pair takes no such flag") {
		t.Errorf("a pair without --dir took it: %v", err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
