package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
)

func keyedChargeOver(t *testing.T) *chargeovertest.Server {
	t.Helper()
	srv, err := chargeovertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("CHARGEOVER_USERNAME", srv.Username)
	t.Setenv("CHARGEOVER_PASSWORD", srv.Password)
	return srv
}

func writeInput(t *testing.T, lines int) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(chargeOverKillInput(lines)), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestResultsWriteErrorExitsTwo: a results file that cannot be written
// fails the push, saying so.
func TestResultsWriteErrorExitsTwo(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	srv := keyedChargeOver(t)
	in := writeInput(t, 30)
	code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", "/dev/full", in)
	if code != exitUsage || !strings.Contains(stderr, "/dev/full") || !strings.Contains(stderr, "no space left") {
		t.Fatalf("exit %d, want 2 naming the file and the error; stderr: %s", code, stderr)
	}
}

// TestResultsNotOverInput: the results may not overwrite the input, also
// through a symbolic or a hard link.
func TestResultsNotOverInput(t *testing.T) {
	srv := keyedChargeOver(t)
	in := writeInput(t, 3)
	dir := filepath.Dir(in)
	sym, hard := filepath.Join(dir, "sym.jsonl"), filepath.Join(dir, "hard.jsonl")
	if err := os.Symlink(in, sym); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(in)
	for _, results := range []string{in, sym, hard} {
		for _, extra := range [][]string{nil, {"--force"}, {"--resume"}} {
			args := append([]string{"push", "chargeover", "customers", "--base-url", srv.URL, "--results", results}, extra...)
			code, _, stderr := runCLI(t, "", append(args, in)...)
			if code != exitUsage || !strings.Contains(stderr, "overwrite") {
				t.Errorf("--results %s %v: exit %d, want 2; stderr: %s", filepath.Base(results), extra, code, stderr)
			}
		}
	}
	if got, _ := os.ReadFile(in); string(got) != string(want) {
		t.Fatal("the input was changed")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestResultsExistingFile: an earlier run's results are neither truncated
// nor appended to without --resume or --force; --force replaces them.
func TestResultsExistingFile(t *testing.T) {
	srv := keyedChargeOver(t)
	in := writeInput(t, 5)
	results := filepath.Join(t.TempDir(), "out.jsonl")
	earlier := `{"line":1,"ok":true,"id":"7","final":true}` + "\n"
	if err := os.WriteFile(results, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, in)
	if code != exitUsage || !strings.Contains(stderr, "--resume") {
		t.Fatalf("exit %d, want 2; stderr: %s", code, stderr)
	}
	if got, _ := os.ReadFile(results); string(got) != earlier {
		t.Fatalf("the refused push changed the results file: %q", got)
	}
	code, _, stderr = runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, "--force", in)
	if code != exitOK {
		t.Fatalf("--force: exit %d; stderr: %s", code, stderr)
	}
	if lines := readResults(t, results); len(lines) != 5 || lines[0].ID == "7" {
		t.Fatalf("--force left %+v", lines)
	}
	if code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, "--force", "--resume", in); code != exitUsage {
		t.Errorf("--force with --resume: exit %d; stderr: %s", code, stderr)
	}
}

// TestResumeTornLineAndOtherInput: --resume ignores a torn last line (and
// cuts it before appending), skips final lines, sends the rest, and
// refuses to continue the results of another input.
func TestResumeTornLineAndOtherInput(t *testing.T) {
	srv := keyedChargeOver(t)
	in := writeInput(t, 6)
	results := filepath.Join(t.TempDir(), "out.jsonl")
	if code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, in); code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	// Keep lines 1-3, tear line 4, and leave a record that lines up to 4
	// were handed over: 4 is in doubt, 5 and 6 were never sent.
	lines := readResults(t, results)
	var b strings.Builder
	for _, r := range lines[:3] {
		fmt.Fprintf(&b, `{"line":%d,"ok":true,"id":%q,"final":true}`+"\n", r.Line, r.ID)
	}
	b.WriteString(`{"line":4,"ok":tr`)
	if err := os.WriteFile(results, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := readInflight(inflightPath(results))
	if err != nil || ok {
		t.Fatalf("a complete push left a record of lines in flight: %+v %v", rec, err)
	}
	h := sha256.Sum256([]byte(chargeOverKillInput(6)))
	sum := hex.EncodeToString(h[:])
	m, err := openInflight(inflightPath(results), inflightRecord{Version: 1, Input: sum, Lines: 6, HandedOver: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.close()
	requests := len(srv.Requests())
	code, stdout, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, "--resume", in)
	if code != exitOK {
		t.Fatalf("--resume: exit %d; stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 skipped") || !strings.Contains(stdout, "1 settled") || !strings.Contains(stdout, "2 handed to the client") {
		t.Errorf("summary %q, want 3 skipped, 1 settled, 2 sent", stdout)
	}
	got := readResults(t, results) // fails on the torn line, were it kept
	if len(got) != 6 {
		t.Fatalf("%d result lines, want 6: %+v", len(got), got)
	}
	for i, r := range got {
		if r.Line != i+1 || !r.OK || !r.Final {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if !got[3].Existing || !got[4].Existing || !got[5].Existing {
		t.Errorf("lines 4-6 exist from the first push, results %+v", got[3:])
	}
	if len(srv.Customers()) != 6 {
		t.Errorf("the fake holds %d customers, want 6", len(srv.Customers()))
	}
	if len(srv.Requests()) == requests {
		t.Error("--resume sent nothing")
	}

	// Another input is not continued.
	other := writeInput(t, 7)
	os.Remove(inflightPath(results))
	m, _ = openInflight(inflightPath(results), inflightRecord{Version: 1, Input: sum, Lines: 6, HandedOver: 6}, 1)
	m.close()
	code, _, stderr = runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, "--resume", other)
	if code != exitUsage || !strings.Contains(stderr, "other input") {
		t.Errorf("--resume with other input: exit %d, want 2; stderr: %s", code, stderr)
	}
}

// TestResumeFromStdin: stdin is spooled for the second pass, and a resume
// of the same stdin continues the push.
func TestResumeFromStdin(t *testing.T) {
	srv := keyedChargeOver(t)
	input := chargeOverKillInput(40)
	results := filepath.Join(t.TempDir(), "out.jsonl")
	if code, _, stderr := runCLI(t, input, "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, "-"); code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	if n := len(readResults(t, results)); n != 40 {
		t.Fatalf("%d results, want 40", n)
	}
	code, stdout, stderr := runCLI(t, input, "push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, "--resume", "-")
	if code != exitOK || !strings.Contains(stdout, "40 skipped") {
		t.Fatalf("exit %d, stdout %q; stderr: %s", code, stdout, stderr)
	}
}

// TestResumeRefusesOtherInput: the results file names its input in its
// first line, so --resume with another input is refused (exit 2, nothing
// sent, the file untouched) both after a run that completed (its record of
// lines in flight removed) and after one that did not (the record kept).
// Results without that line (an older billbridge's) are continued only when
// the record of lines in flight confirms the input.
func TestResumeRefusesOtherInput(t *testing.T) {
	srv := keyedChargeOver(t)
	dir := t.TempDir()
	a := writeInput(t, 3)
	var other strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&other, `{"company":"Other %d","external_key":"other-%d"}`+"\n", i, i)
	}
	b := filepath.Join(dir, "b.jsonl")
	if err := os.WriteFile(b, []byte(other.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := func(t *testing.T, results, want string) {
		t.Helper()
		before, _ := os.ReadFile(results)
		requests := len(srv.Requests())
		code, stdout, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, "--resume", b)
		if code != exitUsage || !strings.Contains(stderr, want) || !strings.Contains(stderr, "--force") {
			t.Errorf("--resume with other input: exit %d, want 2 and %q and a hint to --force; stdout %q; stderr: %s", code, want, stdout, stderr)
		}
		if n := len(srv.Requests()) - requests; n != 0 {
			t.Errorf("%d requests sent", n)
		}
		if after, _ := os.ReadFile(results); string(after) != string(before) {
			t.Errorf("the refused resume changed the results file:\n%s\nwas:\n%s", after, before)
		}
	}

	t.Run("completed", func(t *testing.T) {
		results := filepath.Join(t.TempDir(), "out.jsonl")
		if code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1", "--results", results, a); code != exitOK {
			t.Fatalf("exit %d; stderr: %s", code, stderr)
		}
		if _, err := os.Stat(inflightPath(results)); err == nil {
			t.Fatal("a complete push left its record of lines in flight")
		}
		data, _ := os.ReadFile(results)
		first, _, _ := strings.Cut(string(data), "\n")
		input, _ := os.ReadFile(a)
		h := sha256.Sum256(input)
		want := fmt.Sprintf(`{"input":{"sha256":%q,"bytes":%d,"lines":3}}`, hex.EncodeToString(h[:]), len(input))
		if first != want {
			t.Errorf("first line of the results %s, want %s", first, want)
		}
		refused(t, results, "other input")
		for _, c := range srv.Customers() {
			if c.ExternalKey != nil && strings.HasPrefix(*c.ExternalKey, "other-") {
				t.Errorf("customer %s of the other input was created", *c.ExternalKey)
			}
		}
	})

	t.Run("not completed", func(t *testing.T) {
		// Every request fails 503: no line is final, the record stays.
		url, _ := countingServer(t)
		results := filepath.Join(t.TempDir(), "out.jsonl")
		if code, _, stderr := runCLI(t, "", "push", "chargeover", "customers", "--base-url", url, "--max-retries", "0", "--rate-limit", "-1", "--results", results, a); code != exitFailed {
			t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
		}
		if _, err := os.Stat(inflightPath(results)); err != nil {
			t.Fatalf("an unfinished push left no record of lines in flight: %v", err)
		}
		refused(t, results, "other input")
		// Without the record, the results file's first line still tells.
		os.Remove(inflightPath(results))
		refused(t, results, "other input")
	})

	t.Run("no header, no record", func(t *testing.T) {
		results := filepath.Join(t.TempDir(), "out.jsonl")
		if err := os.WriteFile(results, []byte(`{"line":1,"ok":true,"id":"7","final":true}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, results, "does not say which input")
	})
}
