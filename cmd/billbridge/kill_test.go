package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// The tests in this file run the real binary, kill it in the middle of a
// push and resume it, and check the outcome against the fake's own state.

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// cliBinary builds the command once per test binary run.
func cliBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "billbridge-bin-*")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "billbridge")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// countLines counts the complete lines of a file.
func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte{'\n'})
}

// journalEntries reads a results file the way a resume does: complete
// lines only.
func journalEntries(t *testing.T, path string) []resultLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		b = nil
	}
	var out []resultLine
	sc := bufio.NewScanner(bytes.NewReader(b))
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

// killCase is one kill-and-resume run.
type killCase struct {
	name   string
	at     float64 // share of the results written when the signal is sent
	signal syscall.Signal
}

var killCases = []killCase{
	{"SIGKILL at 30%", 0.3, syscall.SIGKILL},
	{"SIGKILL at 60%", 0.6, syscall.SIGKILL},
	{"SIGTERM at 50%", 0.5, syscall.SIGTERM},
	{"SIGINT at 40%", 0.4, syscall.SIGINT},
}

// killAndResume pushes input with args, sends the signal once the share
// of results is written, then runs the push again with --resume until it
// ends. It returns the results path and the resume's summary.
func killAndResume(t *testing.T, env []string, input string, lines int, kc killCase, args ...string) (string, summary) {
	t.Helper()
	bin := cliBinary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "out.jsonl")
	argv := append([]string{"push"}, args...)
	argv = append(argv, "--results", results, "--json", in)

	cmd := exec.Command(bin, argv...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	want := int(kc.at * float64(lines))
	deadline := time.After(20 * time.Second)
poll:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the push ended (%v) before %d of %d results were written; stderr: %s", err, want, lines, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("%d of %d results after 20 s", countLines(results), lines)
		case <-time.After(2 * time.Millisecond):
			if countLines(results) >= want {
				break poll
			}
		}
	}
	written := countLines(results)
	cmd.Process.Signal(kc.signal)
	err := <-exited
	// A signal the command handles ends it with 128 + the signal's number
	// (a SIGKILL is not handled).
	if want, ok := map[syscall.Signal]int{syscall.SIGTERM: exitTerminated, syscall.SIGINT: exitInterrupted}[kc.signal]; ok {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != want {
			t.Fatalf("after %v: %v, want exit %d; stderr: %s", kc.signal, err, want, stderr.String())
		}
	}
	t.Logf("%s: signalled with %d of %d results written; %d after exit", kc.name, written, lines, countLines(results))

	cmd = exec.Command(bin, append(argv[:len(argv)-1:len(argv)-1], "--resume", in)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("--resume: %v; stderr: %s", err, stderr.String())
	}
	var sum summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("--resume summary %q: %v", out.String(), err)
	}
	t.Logf("%s: resume summary %+v", kc.name, sum)
	if sum.Total != lines || sum.Succeeded != lines || sum.Skipped+sum.Settled+sum.Sent != lines {
		t.Errorf("resume summary %+v: want every line succeeded, skipped+settled+sent = %d", sum, lines)
	}
	return results, sum
}

// checkOneFinalEach checks that every input line has exactly one final
// result, a success, and returns the ids by line.
func checkOneFinalEach(t *testing.T, results string, lines int) map[int]string {
	t.Helper()
	finals := map[int]int{}
	ids := map[int]string{}
	for _, r := range journalEntries(t, results) {
		if r.Line < 1 || r.Line > lines {
			t.Fatalf("result for line %d of %d", r.Line, lines)
		}
		if r.Final {
			finals[r.Line]++
			ids[r.Line] = r.ID
			if !r.OK {
				t.Errorf("line %d: final failure %+v", r.Line, r.Error)
			}
		}
	}
	for n := 1; n <= lines; n++ {
		if finals[n] != 1 {
			t.Errorf("line %d has %d final results, want 1", n, finals[n])
		}
	}
	return ids
}

func chargeOverKillInput(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"company":"Company %d","external_key":"kill-%d","bill_city":"City %d"}`+"\n", i, i, i)
	}
	return b.String()
}

func TestKillAndResumeChargeOver(t *testing.T) {
	const lines = 2000
	input := chargeOverKillInput(lines)
	for _, kc := range killCases {
		t.Run(kc.name, func(t *testing.T) {
			srv, err := chargeovertest.Start(chargeovertest.WithFaults(fault.Config{Latency: 15 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			env := []string{"CHARGEOVER_USERNAME=" + srv.Username, "CHARGEOVER_PASSWORD=" + srv.Password}
			results, _ := killAndResume(t, env, input, lines, kc, "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1")
			ids := checkOneFinalEach(t, results, lines)
			if got := len(srv.Customers()); got != lines {
				t.Errorf("the fake holds %d customers, want %d", got, lines)
			}
			for n := 1; n <= lines; n++ {
				c, ok := srv.CustomerByExternalKey(fmt.Sprintf("kill-%d", n))
				if !ok || srv.CountByExternalKey(fmt.Sprintf("kill-%d", n)) != 1 {
					t.Fatalf("line %d: its customer is missing or not unique", n)
				}
				if got := c.CustomerId.String(); got != ids[n] {
					t.Fatalf("line %d: result id %s, the fake's customer %s", n, ids[n], got)
				}
			}
			if _, err := os.Stat(inflightPath(results)); err == nil {
				t.Error("the record of lines in flight outlived a push whose every line is final")
			}
		})
	}
}

func tightKillInput(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		// Two identical lines: their create keys still differ (line numbers).
		if i%100 == 0 {
			fmt.Fprintf(&b, `{"name":"Twin %d","email":"twin%d@example.com"}`+"\n", i-1, i-1)
			continue
		}
		fmt.Fprintf(&b, `{"name":"Twin %d","email":"twin%d@example.com"}`+"\n", i, i)
	}
	return b.String()
}

func TestKillAndResumeTight(t *testing.T) {
	const lines = 2000
	input := tightKillInput(lines)
	for _, kc := range killCases {
		t.Run(kc.name, func(t *testing.T) {
			srv, err := tighttest.Start(tighttest.WithFaults(fault.Config{Latency: 30 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			env := []string{"TIGHT_TOKEN=" + srv.Token, "TIGHT_CLIENT_ID=", "TIGHT_CLIENT_SECRET="}
			results, _ := killAndResume(t, env, input, lines, kc, "tight", "customers", "--base-url", srv.URL+"/v6", "--batch-size", "25", "--rate-limit", "-1")
			ids := checkOneFinalEach(t, results, lines)
			customers := srv.Customers()
			if len(customers) != lines {
				t.Errorf("the fake holds %d customers, want %d (one per line)", len(customers), lines)
			}
			byID := map[string]bool{}
			for _, c := range customers {
				byID[c.Id] = true
			}
			seen := map[string]int{}
			for n := 1; n <= lines; n++ {
				if !byID[ids[n]] {
					t.Fatalf("line %d: result id %q is not a customer of the fake", n, ids[n])
				}
				seen[ids[n]]++
				if seen[ids[n]] > 1 {
					t.Fatalf("line %d: id %s is the result of another line too", n, ids[n])
				}
			}
		})
	}
}

// TestRerunCompletePushIsRefused: a push run again over its complete
// results file without --resume is refused and sends nothing; with
// --resume it skips every line and creates nothing.
func TestRerunCompletePushIsRefused(t *testing.T) {
	bin := cliBinary(t)
	srv, err := chargeovertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	const lines = 60
	if err := os.WriteFile(in, []byte(chargeOverKillInput(lines)), 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "out.jsonl")
	run := func(extra ...string) (int, string, string) {
		cmd := exec.Command(bin, append(append([]string{"push", "chargeover", "customers", "--base-url", srv.URL, "--results", results, "--json"}, extra...), in)...)
		cmd.Env = append(os.Environ(), "CHARGEOVER_USERNAME="+srv.Username, "CHARGEOVER_PASSWORD="+srv.Password)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errOut.String()
	}
	if code, _, stderr := run(); code != exitOK {
		t.Fatalf("first push: exit %d; %s", code, stderr)
	}
	before, requests := countLines(results), len(srv.Requests())
	code, _, stderr := run()
	if code != exitUsage || !strings.Contains(stderr, "--resume") || !strings.Contains(stderr, "--force") {
		t.Fatalf("re-run without --resume: exit %d, want 2 naming --resume and --force; stderr: %s", code, stderr)
	}
	if got := len(srv.Requests()); got != requests {
		t.Errorf("the refused re-run sent %d requests", got-requests)
	}
	if got := countLines(results); got != before {
		t.Errorf("the refused re-run changed the results file: %d lines, was %d", got, before)
	}
	code, stdout, stderr := run("--resume")
	var sum summary
	if code != exitOK || json.Unmarshal([]byte(stdout), &sum) != nil || sum.Skipped != lines || sum.Sent+sum.Settled != 0 {
		t.Fatalf("--resume of a complete push: exit %d, summary %s; stderr: %s", code, stdout, stderr)
	}
	if got := len(srv.Customers()); got != lines {
		t.Errorf("the fake holds %d customers, want %d", got, lines)
	}
	if got := len(srv.Requests()); got != requests {
		t.Errorf("--resume of a complete push sent %d requests", got-requests)
	}
	checkOneFinalEach(t, results, lines)
}
