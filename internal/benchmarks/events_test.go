package benchmarks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Meteroid event ingestion through the command line, against "billbridge
// fake meteroid" in its own process (BENCHMARKS.md §7).
//
// TestEventsDoneWhen (BILLBRIDGE_EVENTS=1; BILLBRIDGE_EVENTS_N lines,
// default 1,000,000) checks the figures of issue 20 and logs them:
//   - a push with after-acting faults (--after-acting-rate) gives one final
//     result per line and no unknown outcome, and the fake's count of
//     unique events (read back through "list meteroid usage") equals the
//     input's distinct (event_id, customer) pairs;
//   - pushed again, the count is unchanged and every line succeeds;
//   - into a fresh fake, killed (SIGKILL) at about 30 % and resumed: the
//     same count.
//
// TestEventsPeakRSS (the same variables) compares the peak RSS of a push
// of N lines with one of N/10. BenchmarkCLIEvents is the throughput side by side (make bench).

// eventsFake starts "billbridge fake meteroid" with flags, pinned to core 1
// when taskset is there, and returns its URL, its key and its process.
func eventsFake(tb testing.TB, bin string, flags ...string) (url, key string, stop func()) {
	tb.Helper()
	cmd := pinned(1, bin, append([]string{"fake", "meteroid"}, flags...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	tb.Cleanup(stop)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			url = u
		}
		if k, ok := strings.CutPrefix(line, "METEROID_API_KEY="); ok {
			key = k
			break
		}
	}
	if url == "" || key == "" {
		tb.Fatal("the fake did not print its address and key")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return url, key, stop
}

// pinned is a command run on one core (taskset -c core) when taskset is
// installed, else as it is.
func pinned(core int, name string, args ...string) *exec.Cmd {
	if ts, err := exec.LookPath("taskset"); err == nil {
		return exec.Command(ts, append([]string{"-c", strconv.Itoa(core), name}, args...)...)
	}
	return exec.Command(name, args...)
}

// writeEvents writes n event lines for the fake's ten generated customers
// and returns the number of distinct (event_id, customer) pairs, an id and
// an alias of one customer counted as one. Every tenth line has no event_id
// (the CLI derives one from the line); from line 100,001 on, one line in a
// thousand repeats the line 100,000 before it exactly (beyond the client's
// repeat window: Meteroid deduplicates it), and one in a thousand repeats
// the event_id of the line 11 before it with the customer's other name (id
// for alias: the client cannot tell, Meteroid deduplicates).
func writeEvents(tb testing.TB, path string, n int, at time.Time) int {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ts := at.UTC().Format(time.RFC3339)
	type pair struct {
		id string
		c  int
	}
	distinct := map[pair]bool{}
	name := func(c, i int) string {
		if i%20 < 10 {
			return "cus_" + strconv.Itoa(c)
		}
		return "alias-" + strconv.Itoa(c)
	}
	var line []byte
	for i := range n {
		id, c, cust := "evt-"+strconv.Itoa(i), i%10, name(i%10, i)
		switch {
		case i >= 100_000 && i%1000 == 999:
			base := i - 100_000
			id, c, cust = "evt-"+strconv.Itoa(base), base%10, name(base%10, base)
		case i%1000 == 500:
			base := i - 11
			id, c, cust = "evt-"+strconv.Itoa(base), base%10, name(base%10, base+10)
		case i%10 == 0:
			id = ""
		}
		line = line[:0]
		line = append(line, '{')
		if id != "" {
			line = append(line, `"event_id":"`+id+`",`...)
		}
		line = append(line, `"customer_id":"`+cust+`","code":"api_calls","timestamp":"`+ts+`","properties":{"region":"eu-west-1","bytes":"`+strconv.Itoa(i%4096)+`"}}`...)
		line = append(line, '\n')
		w.Write(line)
		if id == "" {
			id = "line-" + strconv.Itoa(i+1) // derived ids are unique per line
		}
		distinct[pair{id, c}] = true
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return len(distinct)
}

// pushSummary is what push --json prints.
type pushSummary struct {
	Total, Succeeded, Failed, Requests, Retries int
	NotSent                                     int `json:"not_sent"`
	OutcomeUnknown                              int `json:"outcome_unknown"`
	ElapsedMS                                   int `json:"elapsed_ms"`
}

// runPush runs the CLI (pinned to core 0) and returns its summary.
func runPush(tb testing.TB, bin, url, key string, args ...string) pushSummary {
	tb.Helper()
	cmd := pinned(0, bin, append([]string{"push", "meteroid", "events", "--base-url", url, "--rate-limit", "-1", "--concurrency", "4", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "METEROID_API_KEY="+key)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var s pushSummary
	if jerr := json.Unmarshal(out.Bytes(), &s); jerr != nil {
		tb.Fatalf("push %v: %v (%v)\n%s\n%s", args, err, jerr, out.String(), errOut.String())
	}
	return s
}

// uniqueEvents reads the fake's count of unique events back through the
// usage summary: every event's code is api_calls, counted.
func uniqueEvents(tb testing.TB, bin, url, key string, at time.Time) int {
	tb.Helper()
	cmd := exec.Command(bin, "list", "meteroid", "usage", "--base-url", url,
		"--filter", "start_date="+at.UTC().AddDate(0, 0, -1).Format(time.DateOnly),
		"--filter", "end_date="+at.UTC().AddDate(0, 0, 1).Format(time.DateOnly))
	cmd.Env = append(os.Environ(), "METEROID_API_KEY="+key)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("list usage: %v", err)
	}
	var u struct {
		MetricCode string `json:"metric_code"`
		TotalValue string `json:"total_value"`
	}
	for l := range strings.Lines(string(out)) {
		if json.Unmarshal([]byte(l), &u) == nil && u.MetricCode == "api_calls" {
			n, _ := strconv.Atoi(u.TotalValue)
			return n
		}
	}
	return 0
}

// finals counts the lines of a results file with a final entry and how
// many entries each line has.
func finals(tb testing.TB, path string, n int) (final, unknown, multiFinal int) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	seen := make([]int8, n+1)
	last := make([]string, n+1)
	for l := range strings.Lines(string(data)) {
		var r struct {
			Line  int  `json:"line"`
			Final bool `json:"final"`
			Error *struct {
				Type string `json:"type"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(l), &r) != nil || r.Line == 0 {
			continue
		}
		if r.Final {
			seen[r.Line]++
		}
		last[r.Line] = ""
		if r.Error != nil {
			last[r.Line] = r.Error.Type
		}
	}
	for i := 1; i <= n; i++ {
		switch {
		case seen[i] == 1:
			final++
		case seen[i] > 1:
			multiFinal++
		}
		if last[i] == "outcome_unknown" {
			unknown++
		}
	}
	return final, unknown, multiFinal
}

func lineCount(path string) int {
	data, _ := os.ReadFile(path)
	return bytes.Count(data, []byte{'\n'})
}

func TestEventsDoneWhen(t *testing.T) {
	if os.Getenv("BILLBRIDGE_EVENTS") == "" {
		t.Skip("set BILLBRIDGE_EVENTS=1 (and BILLBRIDGE_EVENTS_N, default 1000000) to run")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BILLBRIDGE_EVENTS_N")); err == nil && v > 0 {
		n = v
	}
	bin := buildBin(t, "github.com/billbridge/billbridge/cmd/billbridge")
	dir := t.TempDir()
	at := time.Now().Add(-10 * time.Minute)
	in := filepath.Join(dir, "events.jsonl")
	want := writeEvents(t, in, n, at)
	t.Logf("%d lines, %d distinct (event_id, customer) pairs", n, want)

	// 1. With after-acting faults, then again.
	url, key, stop := eventsFake(t, bin, "--after-acting-rate", "0.05", "--seed", "7")
	r1 := filepath.Join(dir, "r1.jsonl")
	start := time.Now()
	s1 := runPush(t, bin, url, key, "--results", r1, in)
	final, unknown, multi := finals(t, r1, n)
	got1 := uniqueEvents(t, bin, url, key, at)
	t.Logf("push 1 (after-acting faults 5%%): %+v in %v; %d lines final, %d unknown, %d with two finals; fake holds %d unique events (want %d)",
		s1, time.Since(start).Round(time.Millisecond), final, unknown, multi, got1, want)
	if s1.Succeeded != n || s1.OutcomeUnknown != 0 || final != n || unknown != 0 || multi != 0 || got1 != want {
		t.Errorf("push 1: want %d successes, one final result per line, none unknown, %d unique events", n, want)
	}
	r2 := filepath.Join(dir, "r2.jsonl")
	s2 := runPush(t, bin, url, key, "--results", r2, in)
	got2 := uniqueEvents(t, bin, url, key, at)
	t.Logf("push 2 (the same input again): %+v; fake holds %d unique events", s2, got2)
	if s2.Succeeded != n || got2 != want {
		t.Errorf("push 2: want %d successes and %d unique events", n, want)
	}
	stop()

	// 2. Killed at about 30 %, resumed, into a fresh fake.
	url, key, stop = eventsFake(t, bin, "--after-acting-rate", "0.05", "--seed", "8")
	r3 := filepath.Join(dir, "r3.jsonl")
	cmd := pinned(0, bin, "push", "meteroid", "events", "--base-url", url, "--rate-limit", "-1", "--concurrency", "4", "--json", "--results", r3, in)
	cmd.Env = append(os.Environ(), "METEROID_API_KEY="+key)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for lineCount(r3) < n*3/10 {
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	killedAt := lineCount(r3)
	s3 := runPush(t, bin, url, key, "--results", r3, "--resume", in)
	final, unknown, multi = finals(t, r3, n)
	got3 := uniqueEvents(t, bin, url, key, at)
	t.Logf("killed with %d results journaled (%.0f %%); resume: %+v; %d lines final, %d unknown, %d with two finals; fake holds %d unique events (want %d)",
		killedAt, 100*float64(killedAt)/float64(n), s3, final, unknown, multi, got3, want)
	if final != n || unknown != 0 || multi != 0 || got3 != want {
		t.Errorf("resume: want one final result per line and %d unique events", want)
	}
	stop()

}

// TestEventsPeakRSS measures the peak RSS of a push of N lines against one
// of N/10 (zero-latency fake, no faults, with --results), median of 3 each,
// through /usr/bin/time (the rusage of a child started from the test would
// count the test's own memory, which the child shares until it execs).
func TestEventsPeakRSS(t *testing.T) {
	if os.Getenv("BILLBRIDGE_EVENTS") == "" {
		t.Skip("set BILLBRIDGE_EVENTS=1 (and BILLBRIDGE_EVENTS_N, default 1000000) to run")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("needs /usr/bin/time")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BILLBRIDGE_EVENTS_N")); err == nil && v > 0 {
		n = v
	}
	bin := buildBin(t, "github.com/billbridge/billbridge/cmd/billbridge")
	dir := t.TempDir()
	at := time.Now().Add(-10 * time.Minute)
	in, small := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "small.jsonl")
	writeEvents(t, in, n, at)
	writeEvents(t, small, n/10, at)
	measure := func(input string, run int) int64 {
		url, key, stop := eventsFake(t, bin)
		defer stop()
		res := filepath.Join(dir, fmt.Sprintf("r-%d-%s", run, filepath.Base(input)))
		cmd := pinned(0, "/usr/bin/time", "-f", "maxrss=%M", bin, "push", "meteroid", "events", "--base-url", url,
			"--rate-limit", "-1", "--concurrency", "4", "--json", "--results", res, input)
		cmd.Env = append(os.Environ(), "METEROID_API_KEY="+key)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("push %s: %v\n%s", input, err, errOut.String())
		}
		i := strings.LastIndex(errOut.String(), "maxrss=")
		kb, _ := strconv.ParseInt(strings.TrimSpace(errOut.String()[i+len("maxrss="):]), 10, 64)
		return kb
	}
	var big, little []int64
	for run := range 3 {
		little = append(little, measure(small, run))
		big = append(big, measure(in, run))
	}
	slices.Sort(big)
	slices.Sort(little)
	ratio := float64(big[1]) / float64(little[1])
	t.Logf("peak RSS, median of 3: %d lines %d kB, %d lines %d kB: %.2fx (runs %v, %v)", n, big[1], n/10, little[1], ratio, big, little)
	if ratio > 1.2 {
		t.Errorf("peak RSS grows %.2fx for 10x the lines, want at most 1.2x", ratio)
	}
}

// BenchmarkCLIEvents: 20,000 events at 20 ms latency, batch 100 ×
// concurrency 4 (the latency bound is 50 rounds × 20 ms = 1.0 s), the fake
// pinned to core 1 and the clients to core 0: the CLI against the bound
// and against a pool over the generated client sending the same events
// with the same ids (internal/benchmarks/eventpool). Runs alternate; the
// median of 5 of each is kept.
//
// Two fakes side by side: one whose 20 ms is a response time
// (--latency-from-arrival: it checks each 100-event body against the spec
// while the 20 ms run), which the bound assumes, and one that adds 20 ms to
// its own work (the "added" metrics), where the fake's checks on its one
// core lengthen every round for any client alike.
//
// "floor" is the pool sending 200 events one per request: the same 50
// rounds, empty. What it takes beyond the bound is this machine's, not a
// client's: the process's start and each round trip's wake-ups.
func BenchmarkCLIEvents(b *testing.B) {
	bin := buildBinary(b, "github.com/billbridge/billbridge/cmd/billbridge")
	pool := buildBinary(b, "github.com/billbridge/billbridge/internal/benchmarks/eventpool")
	url, key, _ := eventsFake(b, bin, "--latency", "20ms", "--latency-from-arrival")
	addedURL, addedKey, _ := eventsFake(b, bin, "--latency", "20ms")
	in := filepath.Join(b.TempDir(), "20k.jsonl")
	writeEvents(b, in, 20_000, time.Now().Add(-time.Minute))
	// The floor: the pool sending 200 events one per request, 4 in flight,
	// is the same 50 rounds with next to nothing in them: the process's
	// start and what a round trip costs on this machine beyond the fake's
	// 20 ms (wake-ups of two idle cores, loopback, HTTP).
	floorIn := filepath.Join(b.TempDir(), "200.jsonl")
	writeEvents(b, floorIn, 200, time.Now().Add(-time.Minute))
	timed := func(key, name string, args ...string) time.Duration {
		cmd := pinned(0, name, args...)
		cmd.Env = append(os.Environ(), "METEROID_API_KEY="+key)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		return time.Since(start)
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	for b.Loop() {
		var cli, users, floors, cliAdded, usersAdded []time.Duration
		for range 5 {
			cli = append(cli, timed(key, bin, "push", "meteroid", "events", "--base-url", url, "--concurrency", "4", "--rate-limit", "-1", in))
			users = append(users, timed(key, pool, "-batch", "100", "-conc", "4", url, in))
			floors = append(floors, timed(key, pool, "-batch", "1", "-conc", "4", url, floorIn))
			cliAdded = append(cliAdded, timed(addedKey, bin, "push", "meteroid", "events", "--base-url", addedURL, "--concurrency", "4", "--rate-limit", "-1", in))
			usersAdded = append(usersAdded, timed(addedKey, pool, "-batch", "100", "-conc", "4", addedURL, in))
		}
		c, u, f, ca, ua := median(cli), median(users), median(floors), median(cliAdded), median(usersAdded)
		bound := time.Second
		b.ReportMetric(c.Seconds()/bound.Seconds(), "cli/bound")
		b.ReportMetric(u.Seconds()/bound.Seconds(), "pool/bound")
		b.ReportMetric(c.Seconds()/u.Seconds(), "cli/pool")
		b.ReportMetric(f.Seconds()/bound.Seconds(), "floor/bound")
		b.ReportMetric(c.Seconds()/f.Seconds(), "cli/floor")
		b.ReportMetric(ca.Seconds()/bound.Seconds(), "cli/bound-added")
		b.ReportMetric(ua.Seconds()/bound.Seconds(), "pool/bound-added")
		b.ReportMetric(ca.Seconds()/ua.Seconds(), "cli/pool-added")
	}
}

// buildBin is buildBinary for a test or a benchmark.
func buildBin(tb testing.TB, pkg string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		tb.Fatalf("build %s: %v", pkg, err)
	}
	return bin
}
