package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the command in-process and returns its exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func readResults(t *testing.T, path string) []resultLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []resultLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if isHeader(sc.Bytes()) {
			continue
		}
		var r resultLine
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("results line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// isHeader reports whether a results line is the header naming the input.
func isHeader(b []byte) bool {
	var h journalHeader
	return json.Unmarshal(b, &h) == nil && h.Input != nil
}

func TestPushTightCustomersToFake(t *testing.T) {
	var in strings.Builder
	for i := range 250 {
		if i%2 == 0 {
			fmt.Fprintf(&in, `{"id":"cus_%d","name":"Customer %d","email":"c%d@example.com"}`+"\n", i, i, i)
		} else {
			fmt.Fprintf(&in, `{"name":"Customer %d"}`+"\n", i)
		}
	}
	results := filepath.Join(t.TempDir(), "results.jsonl")
	code, stdout, stderr := runCLI(t, in.String(), "push", "tight", "customers", "--fake", "--batch-size", "40", "--results", results, "--json", "-")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	var sum summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output %q: %v", stdout, err)
	}
	if sum.Total != 250 || sum.Succeeded != 250 || sum.Failed != 0 || sum.Requests < 7 {
		t.Errorf("summary %+v", sum)
	}
	lines := readResults(t, results)
	if len(lines) != 250 {
		t.Fatalf("%d result lines, want 250", len(lines))
	}
	for i, r := range lines {
		if r.Line != i+1 || !r.OK || r.ID == "" || r.Attempts < 1 || r.Error != nil {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if lines[0].ID != "cus_0" {
		t.Errorf("upsert kept id %q, want cus_0", lines[0].ID)
	}
}

func TestPushMalformedLinesSendNothing(t *testing.T) {
	in := `{"name":"ok"}
{"name": 12}
not json

{"name":"ok","email":"x@example.com","ccEmails":"a@example.com"}
`
	results := filepath.Join(t.TempDir(), "results.jsonl")
	code, _, stderr := runCLI(t, in, "push", "tight", "customers", "--fake", "--results", results, "-")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr: %s", code, stderr)
	}
	for _, want := range []string{"line 2: field name", "line 3: not valid JSON", "line 4: empty line", "line 5: field ccEmails", "nothing was sent"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(results); err == nil {
		t.Error("a results file was written although nothing was sent")
	}
}

func TestPushDryRun(t *testing.T) {
	code, _, stderr := runCLI(t, `{"company":"Acme"}`+"\n", "push", "chargeover", "customers", "--site", "acme", "--dry-run", "-")
	if code != exitOK || !strings.Contains(stderr, "1 lines valid") {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
}

func TestPushMissingCredentials(t *testing.T) {
	for _, v := range []string{"TIGHT_TOKEN", "TIGHT_CLIENT_ID", "TIGHT_CLIENT_SECRET", "CHARGEOVER_USERNAME", "CHARGEOVER_PASSWORD", "METEROID_API_KEY"} {
		t.Setenv(v, "")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tight", "customers"}, "TIGHT_TOKEN, or TIGHT_CLIENT_ID and TIGHT_CLIENT_SECRET"},
		{[]string{"chargeover", "customers", "--site", "acme"}, "CHARGEOVER_USERNAME and CHARGEOVER_PASSWORD"},
		{[]string{"meteroid", "customers"}, "METEROID_API_KEY"},
	} {
		input := map[string]string{
			"tight":      `{"name":"x"}` + "\n",
			"chargeover": `{"company":"x"}` + "\n",
			"meteroid":   `{"id_or_alias":"cus_1","name":"x"}` + "\n",
		}[tc.args[0]]
		code, _, stderr := runCLI(t, input, append(append([]string{"push"}, tc.args...), "-")...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to name %s", tc.args, code, stderr, tc.want)
		}
	}
}

func TestPushUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"push"},
		{"push", "tight", "vendors", "-"},
		{"push", "chargeover", "customers", "-"}, // no --site or --base-url
		{"push", "tight", "customers", "--batch-size", "x", "-"},
		{"frobnicate"},
	} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestPushChargeOverFailedItemsExitOne(t *testing.T) {
	// A key repeated within one input is refused locally; one used by an
	// earlier push with other data is a conflict.
	srv := keyedChargeOver(t)
	if code, _, stderr := runCLI(t, `{"company":"Acme","external_key":"k1"}`+"\n", "push", "chargeover", "customers", "--base-url", srv.URL, "-"); code != exitOK {
		t.Fatalf("first push: exit %d; stderr: %s", code, stderr)
	}
	in := `{"company":"Zed","external_key":"k0"}
{"company":"Acme again","external_key":"k1"}
{"company":"Beta","external_key":"k2"}
`
	results := filepath.Join(t.TempDir(), "results.jsonl")
	code, _, stderr := runCLI(t, in, "push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, "-")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	lines := readResults(t, results)
	if len(lines) != 3 || !lines[0].OK || lines[1].OK || !lines[2].OK {
		t.Fatalf("results %+v", lines)
	}
	// The key holds the first push's customer, whose company differs: a
	// conflict naming the field, found by the lookup before any create.
	if lines[1].Error == nil || lines[1].Error.Type != "conflict" || lines[1].Error.Param != "company" {
		t.Errorf("the refused duplicate key: %+v", lines[1])
	}
}

func TestPushMeteroidToFake(t *testing.T) {
	in := `{"id_or_alias":"cus_A1","name":"Renamed"}
{"id_or_alias":"acme","billing_email":"b@acme.example","currency":"USD"}
{"name":"no key"}
`
	code, _, stderr := runCLI(t, in, "push", "meteroid", "customers", "--fake", "-")
	if code != exitUsage || !strings.Contains(stderr, "line 3: field id_or_alias") {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	in = strings.Join(strings.Split(in, "\n")[:2], "\n")
	code, stdout, stderr := runCLI(t, in, "push", "meteroid", "customers", "--fake", "--json", "-")
	if code != exitOK || !strings.Contains(stdout, `"succeeded":2`) {
		t.Fatalf("exit %d; stdout %s; stderr: %s", code, stdout, stderr)
	}
}

// TestFakeCommandServesPush runs "billbridge fake tight" and pushes to it
// through --base-url with the credentials it prints, as a script would.
func TestFakeCommandServesPush(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"fake", "tight", "--latency", "1ms", "--seed", "7"}, nil, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	env := map[string]string{}
	var url string
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			url = u
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
		if k == "TIGHT_TOKEN" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || env["TIGHT_CLIENT_ID"] == "" || env["TIGHT_BASE_URL"] != url {
		t.Fatalf("banner: url %q env %v", url, env)
	}
	// The printed variables are all push needs: the base URL among them.
	t.Setenv("TIGHT_TOKEN", "")
	t.Setenv("TIGHT_BASE_URL", env["TIGHT_BASE_URL"])
	t.Setenv("TIGHT_CLIENT_ID", env["TIGHT_CLIENT_ID"])
	t.Setenv("TIGHT_CLIENT_SECRET", env["TIGHT_CLIENT_SECRET"])
	code, stdout, stderr := runCLI(t, `{"name":"Acme"}`+"\n", "push", "tight", "customers", "--json", "-")
	if code != exitOK || !strings.Contains(stdout, `"succeeded":1`) {
		t.Errorf("push to the fake command: exit %d, stdout %s, stderr %s", code, stdout, stderr)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("fake exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fake did not stop on cancel")
	}
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo pushes a few thousand items")
	}
	code, stdout, stderr := runCLI(t, "", "demo")
	if code != exitOK {
		t.Fatalf("demo exit %d; stderr: %s", code, stderr)
	}
	for _, want := range []string{"tight customers", "tight invoices", "chargeover customers", "meteroid customers", "requests", "retries"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
}
