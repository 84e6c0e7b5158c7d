package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

// TestLineReaderOverLongLineKeepsTooLong: a line that crosses the limit
// with more of it still to read is reported too long as a whole, not as
// its last piece in the reader's buffer: that piece may be a line of its
// own that passes every check.
func TestLineReaderOverLongLineKeepsTooLong(t *testing.T) {
	event := `{"event_id":"tail","customer_id":"cus_1","code":"api_calls","timestamp":"2026-01-01T00:00:00Z"}`
	// Garbage in whole buffers of 64 KiB past the limit, then the event:
	// the line's last piece, read from a buffer of its own, is the event.
	garbage := strings.Repeat("x", (maxLineBytes/(64<<10)+2)*(64<<10))
	t.Run("reader", func(t *testing.T) {
		lr := newLineReader(strings.NewReader(garbage + event + "\nnext\n"))
		if line, tooLong, err := lr.next(); err != nil || !tooLong {
			t.Fatalf("line 1: %d bytes (%.40q…), tooLong %v, err %v; want it too long", len(line), line, tooLong, err)
		}
		if line, tooLong, err := lr.next(); err != nil || tooLong || string(line) != "next" {
			t.Fatalf("line 2: %q, tooLong %v, err %v; want \"next\"", line, tooLong, err)
		}
	})
	t.Run("push", func(t *testing.T) { // refused, nothing sent
		pushTooLongTail(t, garbage+event+"\n"+event+"\n")
	})
}

func pushTooLongTail(t *testing.T, in string) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "push", "meteroid", "events", "--dry-run", path)
	if code != exitUsage || !strings.Contains(errOut, "line 1 is longer than the 16 MiB limit") {
		t.Errorf("exit %d, want %d with line 1 too long\n%s\n%s", code, exitUsage, out, errOut)
	}
}

// TestInputLinesAtBufferEdges: lines that end at, straddle or fill the
// reader's buffer (CRLF split across it, a byte order mark, blank and
// white-space lines, a last line without newline) read as a plain split
// of the input reads them, with their offsets, through both buffer sizes
// push uses (64 KiB for the passes, 4 KiB to read a line again).
func TestInputLinesAtBufferEdges(t *testing.T) {
	type line struct {
		raw   string
		start int64
	}
	reference := func(in string) []line {
		var out []line
		off := int64(0)
		for i := 0; off < int64(len(in)); i++ {
			rest := in[off:]
			l, next := rest, int64(len(rest))
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				l, next = rest[:j], int64(j+1)
			}
			l = strings.TrimSuffix(l, "\r")
			if i == 0 {
				l = strings.TrimPrefix(l, "\uFEFF")
			}
			out = append(out, line{strings.TrimSpace(l), off})
			off += next
		}
		return out
	}
	read := func(in string, size int) []line {
		lines := &inputLines{lr: &lineReader{r: bufio.NewReaderSize(strings.NewReader(in), size)}}
		var out []line
		for {
			n, raw, tooLong, err := lines.next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil || tooLong || n != len(out)+1 {
				t.Fatalf("line %d (%d): tooLong %v, err %v", len(out)+1, n, tooLong, err)
			}
			out = append(out, line{string(raw), lines.start})
		}
	}
	pad := func(n int) string { // a line of n bytes that is not blank
		if n <= 0 {
			return ""
		}
		return "{" + strings.Repeat("a", n-1)
	}
	for _, size := range []int{4 << 10, 64 << 10} {
		var inputs []string
		for _, d := range []int{-3, -2, -1, 0, 1, 2, 3} {
			n := size + d
			inputs = append(inputs,
				pad(n-1)+"\n"+pad(5)+"\n",           // "\n" at the edge
				pad(n-2)+"\r\n"+pad(5)+"\r\n",       // "\r" or "\n" at the edge
				"\uFEFF"+pad(n-4)+"\r\n"+pad(3),     // BOM, no final newline
				pad(n)+"\n\n \t \r\n"+pad(2*n)+"\r", // blank, white space, a "\r" at the end
				pad(10)+"\n"+pad(n-12)+"\r\n"+pad(n+1)+"\n",
				strings.Repeat(" ", n)+"\n"+pad(3)+"\n",
				pad(3*size+d)+"\r\n",
			)
		}
		for i, in := range inputs {
			want, got := reference(in), read(in, size)
			if len(got) != len(want) {
				t.Fatalf("buffer %d, input %d: %d lines, want %d", size, i, len(got), len(want))
			}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("buffer %d, input %d, line %d: %.20q… at %d (%d bytes), want %.20q… at %d (%d bytes)", size, i, k+1,
						got[k].raw, got[k].start, len(got[k].raw), want[k].raw, want[k].start, len(want[k].raw))
				}
			}
		}
	}
}

// TestPushEventsRoundTripOverBuffers: events over several 64 KiB buffers
// (a file, stdin, CSV), in compact and spaced forms, with escapes, CRLF and
// long lines, arrive at the fake as the lines say, each under its own
// line's event_id: neither pass keeps bytes of a line past it.
func TestPushEventsRoundTripOverBuffers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3),
		meteroidtest.WithMetrics(meteroidtest.Metric{ID: "bm_bytes", Name: "bytes", Code: "bytes", Aggregation: "SUM", Property: "n"}))
	t.Setenv("METEROID_BASE_URL", srv.URL)
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for _, src := range []string{"file", "stdin", "csv"} {
		t.Run(src, func(t *testing.T) {
			var in strings.Builder
			var want []meteroid.Event
			if src == "csv" {
				in.WriteString("event_id,customer_id,code,timestamp,n,note\n")
			}
			for i := range 2000 {
				e := meteroid.Event{EventId: fmt.Sprintf("%s-%d-%s", src, i, strings.Repeat("é", i%37)), CustomerId: fmt.Sprintf("alias-%d", i%3),
					Code: "bytes", Timestamp: ts, Properties: &map[string]string{"n": fmt.Sprint(i), "note": fmt.Sprintf("v%d\"\\ \t%s", i, strings.Repeat("z", i%300))}}
				if i%50 == 7 {
					(*e.Properties)["note"] = strings.Repeat("L", 70<<10) // a line over one buffer
				}
				want = append(want, e)
				switch {
				case src == "csv":
					fmt.Fprintf(&in, "%s,%s,%s,%s,%s,\"%s\"\r\n", e.EventId, e.CustomerId, e.Code, e.Timestamp, (*e.Properties)["n"],
						strings.ReplaceAll((*e.Properties)["note"], `"`, `""`))
				case i%2 == 0:
					raw, _ := json.Marshal(e)
					in.Write(raw)
					in.WriteString("\r\n")
				default:
					raw, _ := json.MarshalIndent(e, "", "")
					in.WriteString("  " + strings.ReplaceAll(string(raw), "\n", " ") + " \n")
				}
			}
			dir := t.TempDir()
			path := "-"
			stdin := ""
			if src == "stdin" {
				stdin = in.String()
			} else {
				path = filepath.Join(dir, "events."+map[string]string{"file": "jsonl", "csv": "csv"}[src])
				if err := os.WriteFile(path, []byte(in.String()), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res := filepath.Join(dir, "r.jsonl")
			code, out, errOut := runCLI(t, stdin, "push", "meteroid", "events", "--json", "--results", res, path)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%.2000s", code, out, errOut)
			}
			for i, r := range readResults(t, res) {
				if !r.OK || r.ID != want[i].EventId {
					t.Fatalf("line %d: result %+v, want event %q", i+1, r, want[i].EventId)
				}
			}
			for i, w := range want {
				got, ok := srv.Event(w.EventId, w.CustomerId)
				if !ok || got.Code != w.Code || got.Properties == nil || !reflect.DeepEqual(*got.Properties, *w.Properties) {
					t.Fatalf("line %d: the fake holds %+v (%v), want %+v", i+1, got, ok, w)
				}
			}
		})
	}
}

// eventLineVerdicts checks raw as the first pass does (the scratch
// decoder, after an earlier line filled its map), as the second pass does
// (fastEvent), and through the general path alone, and reports where the
// verdicts or the messages differ.
func eventLineVerdicts(t *testing.T, job *typedJob[meteroid.Event, meteroid.Event], general *typedJob[meteroid.Event, meteroid.Event], raw []byte) {
	t.Helper()
	prev := []byte(`{"event_id":"p","customer_id":"c","code":"x","timestamp":"2026-01-01T00:00:00Z","properties":{"a":"1","b":"2","c":"3"}}`)
	if _, err := job.check(1, prev); err != nil {
		t.Fatal(err)
	}
	line := append([]byte(nil), raw...) // its own bytes, as a line from the reader
	_, firstErr := job.check(2, line)
	second, secondErr := job.parse(2, raw)
	want, wantErr := general.parse(2, raw)
	msg := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	if msg(firstErr) != msg(wantErr) || msg(secondErr) != msg(wantErr) {
		t.Errorf("%q:\nfirst pass  %s\nsecond pass %s\ngeneral     %s", raw, msg(firstErr), msg(secondErr), msg(wantErr))
	}
	if secondErr == nil && !reflect.DeepEqual(second, want) {
		t.Errorf("%q: second pass %+v, general %+v", raw, second, want)
	}
}

func eventJobs(t testing.TB) (job, general *typedJob[meteroid.Event, meteroid.Event]) {
	j, err := meteroidEventsJob(&pushFlags{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := meteroidEventsJob(&pushFlags{})
	if err != nil {
		t.Fatal(err)
	}
	general = g.(eventsJob).typedJob
	general.fast, general.scratch = nil, nil
	return j.(eventsJob).typedJob, general
}

var hostileEventLines = func() []string {
	const ok = `"customer_id":"cus_1","code":"c","timestamp":"2026-01-01T00:00:00Z"`
	lines := []string{
		`{"event_id":"e1",` + ok + `}`,
		`{"event_id":"e1",` + ok + `,"properties":{"k":"v"}}`,
		`{` + ok + `,"properties":{"":"v"}}`,
		`{` + ok + `,"properties":{"k":"v","k":"w"}}`,
		`{` + ok + `,"properties":{"k":"v","K":"w"}}`,
		`{` + ok + `,"properties":{"k":"v",}}`,
		`{` + ok + `,"properties":{"k":null}}`,
		`{` + ok + `,"properties":{"k":1}}`,
		`{` + ok + `,"properties":{"k":{"x":"y"}}}`,
		`{` + ok + `,"properties":null}`,
		`{` + ok + `,"properties":{}}`,
		`{` + ok + `,"properties":[]}`,
		`{` + ok + `,"properties":{"k":"v"},"properties":{"k":"w"}}`,
		`{"event_id":"` + strings.Repeat("e", 255) + `",` + ok + `}`,
		`{"event_id":"` + strings.Repeat("e", 256) + `",` + ok + `}`,
		`{"event_id":"` + strings.Repeat("é", 256) + `",` + ok + `}`,
		`{"customer_id":"cus_1","code":"` + strings.Repeat("c", 300) + `","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"event_id":"e\u0001",` + ok + `}`,
		`{"event_id":"e\"",` + ok + `}`,
		`{"event_id":"\ud800",` + ok + `}`,
		`{"event_id":"\ud83d\ude00",` + ok + `}`,
		`{"event_id":null,` + ok + `}`,
		`{"event_id":1,` + ok + `}`,
		`{"event_id":"e1","event_id":"e2",` + ok + `}`,
		`{"Event_id":"e1",` + ok + `}`,
		`{"event_id":"e1",` + ok + `,"extra":"x"}`,
		`{"event_id":"e1",` + ok + `} x`,
		`{"event_id":"e1",` + ok + `}}`,
		`{"event_id":"e1",` + ok + `,}`,
		`{"event_id":"e1" ` + ok + `}`,
		`{"event_id":"e1",` + ok,
		`{"event_id":"e1",` + ok + `,"properties":{"k":"v"`,
		`{"customer_id":"","code":"c","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"customer_id":"c","code":"","timestamp":"2026-01-01T00:00:00Z"}`,
		`{"customer_id":"c","code":"c","timestamp":""}`,
		`{"customer_id":"c","code":"c","timestamp":"yesterday"}`,
		`{"customer_id":"c","code":"c"}`,
		`{}`, `[]`, `null`, `"x"`, `1`, `{"":""}`, `{"event_id":""}`,
		"{\"event_id\":\"e\x00\"," + ok + "}",
		"{\"event_id\":\"e\x1f\"," + ok + "}",
		"{\"event_id\":\"e\x7f\"," + ok + "}",
		"{\"event_id\":\"e\xff\"," + ok + "}",
		"{\"event_id\":\"e\xc3\"," + ok + "}",
		"{\"event_id\":\"e\u2028\"," + ok + "}",
		"{" + ok + ",\"properties\":{\"k\":\"\x01\"}}",
		"{" + ok + ",\"properties\":{\"\xff\":\"v\"}}",
		"{\t\"event_id\" :\r\"e1\" ,\n" + ok + " }",
		"{\v\"event_id\":\"e1\"," + ok + "}",
		"{\u00a0\"event_id\":\"e1\"," + ok + "}",
		`{"event_id":"e1",` + ok + `,"properties":{"k":"` + strings.Repeat("v", 1_000_000) + `"}}`,
	}
	var many strings.Builder
	many.WriteString(`{` + ok + `,"properties":{`)
	for i := range 40000 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"p%d":"%d"`, i, i)
	}
	return append(lines, many.String()+"}}")
}()

// TestEventLineVerdictsAgree: hostile lines get one verdict, and one
// message, from the first pass's decoder, the second pass's and the
// general path.
func TestEventLineVerdictsAgree(t *testing.T) {
	job, general := eventJobs(t)
	for _, l := range hostileEventLines {
		eventLineVerdicts(t, job, general, []byte(l))
	}
}

func FuzzEventLineVerdicts(f *testing.F) {
	for _, l := range hostileEventLines {
		if len(l) < 4096 {
			f.Add([]byte(l))
		}
	}
	job, general := eventJobs(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return
		}
		eventLineVerdicts(t, job, general, raw)
	})
}

// TestKillAndResumeEventsEditedInput: a push of events killed midway is
// not resumed with its input edited (one byte of one line, the size and the
// line count unchanged), from the file or from stdin, and the results file
// still names its input by SHA-256; the unedited input resumes.
func TestKillAndResumeEventsEditedInput(t *testing.T) {
	srv, err := meteroidtest.Start(meteroidtest.WithGeneratedCustomers(3),
		meteroidtest.WithFaults(fault.Config{Latency: 10 * time.Millisecond, Seed: 3}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const lines = 5000
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	var b strings.Builder
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&b, `{"event_id":"edit-%05d","customer_id":"cus_%d","code":"api_calls","timestamp":%q}`+"\n", i, i%3, ts)
	}
	input := b.String()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "out.jsonl")
	env := append(os.Environ(), "METEROID_API_KEY="+srv.APIKey)
	args := []string{"push", "meteroid", "events", "--base-url", srv.URL, "--rate-limit", "-1", "--concurrency", "1", "--results", results, "--json"}
	cmd := exec.Command(cliBinary(t), append(args, in)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	for countLines(results) < lines/4 {
		select {
		case err := <-exited:
			t.Fatalf("the push ended (%v) before the kill; stderr: %s", err, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("%d results after 20 s", countLines(results))
		case <-time.After(2 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	<-exited
	if _, err := os.Stat(inflightPath(results)); err != nil {
		t.Fatalf("no record of lines in flight after the kill: %v", err)
	}
	data, _ := os.ReadFile(results)
	first, _, _ := strings.Cut(string(data), "\n")
	h := sha256.Sum256([]byte(input))
	if want := fmt.Sprintf(`{"input":{"sha256":%q,"bytes":%d,"lines":%d}}`, hex.EncodeToString(h[:]), len(input), lines); first != want {
		t.Fatalf("results header %s, want %s", first, want)
	}

	edited := strings.Replace(input, `"edit-04999"`, `"edit-0499X"`, 1)
	if len(edited) != len(input) || edited == input {
		t.Fatal("the edit changed the size or nothing")
	}
	if err := os.WriteFile(in, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	// The refused resumes go to a server that counts what reaches it.
	url, requests := countingServer(t)
	refusedArgs := append(slices.Clone(args), "--base-url", url, "--resume")
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	for _, src := range []string{"file", "stdin"} {
		path, stdin := in, ""
		if src == "stdin" {
			path, stdin = "-", edited
		}
		code, out, errOut := runCLI(t, stdin, append(refusedArgs, path)...)
		if code != exitUsage || !strings.Contains(errOut, "other input") {
			t.Errorf("%s: --resume with the input edited: exit %d, want 2 and \"other input\"\n%s\n%s", src, code, out, errOut)
		}
		if after, _ := os.ReadFile(results); string(after) != string(data) {
			t.Errorf("%s: the refused resume changed the results file", src)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the refused resumes made %d requests", n)
	}
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", append(append(args[:len(args):len(args)], "--resume"), in)...); code != exitOK {
		t.Fatalf("--resume with the input as it was: exit %d\n%s\n%s", code, out, errOut)
	}
	checkOneFinalEach(t, results, lines)
	if n := srv.UniqueEvents(); n != lines {
		t.Errorf("the fake holds %d events, want %d", n, lines)
	}
}
