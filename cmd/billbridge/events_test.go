package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
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

// TestFastEventMatchesGeneralPath: the one-scan decoder of event lines
// gives the general path's item or gives the line up to it.
func TestFastEventMatchesGeneralPath(t *testing.T) {
	lines := []string{
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"2026-01-01T00:00:00Z"}`,
		` { "customer_id" : "a" , "code":"c","timestamp":"t","properties":{"x":"1","y":"é"} } `,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{}}`,
		`{"event_id":"e\"1","customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":"e1","event_id":"e2","customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","extra":"x"}`,
		`{"Event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":1,"customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":null,"customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{"x":1}}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{"x":"1","x":"2"}}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t"} x`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t",}`,
		`{}`,
		`[]`,
	}
	for _, l := range lines {
		fast, ok := fastEvent([]byte(l))
		slow, err := strictDecode[meteroid.Event]([]byte(l))
		var unknown error
		if err == nil {
			_, unknown = (fieldChecker{}).check([]byte(l), reflect.TypeFor[meteroid.Event]())
		}
		switch {
		case ok && (err != nil || unknown != nil):
			t.Errorf("%s: fast path took a line the general path refuses (%v, %v)", l, err, unknown)
		case ok && !reflect.DeepEqual(fast, slow):
			t.Errorf("%s: fast %+v, general %+v", l, fast, slow)
		}
	}
	if _, ok := fastEvent([]byte(lines[0])); !ok {
		t.Error("the common form did not take the fast path")
	}
}

// TestEventScratchMatchesFastEvent: the first pass's decoder (strings
// borrowed from the line, one properties map reused) gives fastEvent's
// item and verdict for every line, also when it follows another line.
func TestEventScratchMatchesFastEvent(t *testing.T) {
	var scratch eventScratch
	lines := []string{
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"2026-01-01T00:00:00Z","properties":{"x":"1","y":"2"}}`,
		`{"customer_id":"a","code":"c","timestamp":"t","properties":{"z":"é"}}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{}}`,
		`{"event_id":"e\"1","customer_id":"cus_1","code":"c","timestamp":"t"}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{"x":"1","x":"2"}}`,
		`{"event_id":"e1","customer_id":"cus_1","code":"c","timestamp":"t","properties":{"x":"a` + "\x01" + `"}}`,
	}
	for _, l := range lines {
		want, wantOK := fastEvent([]byte(l))
		got, ok := scratch.decode([]byte(l))
		if ok != wantOK || ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: scratch %+v (%v), fastEvent %+v (%v)", l, got, ok, want, wantOK)
		}
	}
}

// TestFirstPassKeepsCollectedValues: a job that collects its items (the
// embedded fake's customers) does not get the first pass's borrowed
// strings, which the next lines would overwrite.
func TestFirstPassKeepsCollectedValues(t *testing.T) {
	job, err := meteroidEventsJob(&pushFlags{})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	job.(eventsJob).collect = func(e meteroid.Event) { got = append(got, e.CustomerId) }
	var in strings.Builder
	for i := range 3000 { // over 64 KiB: the reader's buffer is refilled
		c := fmt.Sprintf("cus_%05d", i)
		want = append(want, c)
		fmt.Fprintf(&in, `{"event_id":"e%d","customer_id":%q,"code":"api_calls","timestamp":"2026-01-01T00:00:00Z","properties":{"k":"v"}}`+"\n", i, c)
	}
	if _, bad, err := validateInput(strings.NewReader(in.String()), nil, "", job, io.Discard, false); err != nil || bad != 0 {
		t.Fatalf("first pass: %d bad lines, %v", bad, err)
	}
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("line %d collected %q, want %q (%d lines)", i+1, got[i], want[i], len(got))
			}
		}
		t.Fatalf("collected %d values, want %d", len(got), len(want))
	}
}

func eventsFake(t *testing.T) *meteroidtest.Server {
	t.Helper()
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	t.Setenv("METEROID_BASE_URL", srv.URL)
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	return srv
}

// TestPushMeteroidEvents pushes JSON Lines (some without event_id) twice:
// every line succeeds both times and the fake counts each event once; the
// derived ids are those of the line's number and bytes.
func TestPushMeteroidEvents(t *testing.T) {
	srv := eventsFake(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "events.jsonl")
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	var b strings.Builder
	for i := range 250 {
		id := fmt.Sprintf(`"event_id":"e%d",`, i)
		if i%5 == 0 {
			id = "" // derived from the line
		}
		fmt.Fprintf(&b, `{%s"customer_id":"alias-%d","code":"api_calls","timestamp":%q,"properties":{"n":"1"}}`+"\n", id, i%3, ts)
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		res := filepath.Join(dir, fmt.Sprintf("r%d.jsonl", run))
		code, out, errOut := runCLI(t, "", "push", "meteroid", "events", "--json", "--results", res, in)
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", run, code, out, errOut)
		}
		var sum summary
		if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Succeeded != 250 || sum.OutcomeUnknown != 0 {
			t.Fatalf("run %d: %s (%v)", run, out, err)
		}
		rs := readResults(t, res)
		if len(rs) != 250 || !rs[0].OK || rs[0].ID != createKey(1, []byte(strings.SplitN(b.String(), "\n", 2)[0])) || rs[1].ID != "e1" {
			t.Fatalf("run %d: results %+v", run, rs[:2])
		}
		if n := srv.UniqueEvents(); n != 250 {
			t.Errorf("run %d: fake holds %d events, want 250", run, n)
		}
	}
	// The usage they add up to, read back through the CLI.
	day := time.Now().UTC().Format(time.DateOnly)
	code, out, errOut := runCLI(t, "", "list", "meteroid", "usage", "--filter", "start_date="+day, "--filter", "end_date="+day)
	if code != 0 || !strings.Contains(out, `"total_value":"250"`) {
		t.Errorf("usage: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestPushMeteroidEventsCSV reads CSV with a header row: the four columns,
// the others properties; a repeat of a line's pair is a final failure.
func TestPushMeteroidEventsCSV(t *testing.T) {
	srv := eventsFake(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "events.csv")
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	csv := "customer_id,event_id,code,timestamp,region,bytes\n" +
		"cus_0,e1,api_calls," + ts + ",eu,10\n" +
		"cus_1,,api_calls," + ts + ",\"us, east\",\n" +
		"cus_0,e1,api_calls," + ts + ",eu,10\n" +
		"cus_2,e3,old," + time.Now().Add(-48*time.Hour).UTC().Format(time.RFC3339) + ",eu,1\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	res := filepath.Join(dir, "r.jsonl")
	code, out, errOut := runCLI(t, "", "push", "meteroid", "events", "--json", "--results", res, in)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (two lines refused)\n%s\n%s", code, out, errOut)
	}
	rs := readResults(t, res)
	if len(rs) != 4 || !rs[0].OK || !rs[1].OK || rs[2].OK || !rs[2].Final || rs[3].OK || !rs[3].Final {
		t.Fatalf("results %+v", rs)
	}
	if !strings.Contains(rs[2].Error.Message, "repeats item 0") || !strings.Contains(rs[3].Error.Message, "24 hours") {
		t.Errorf("errors %+v %+v", rs[2].Error, rs[3].Error)
	}
	if e, ok := srv.Event(rs[1].ID, "cus_1"); !ok || e.Code != "api_calls" {
		t.Errorf("line 2's event: %+v %v", e, ok)
	}
	if n := srv.UniqueEvents(); n != 2 {
		t.Errorf("fake holds %d, want 2", n)
	}
	// --backfill sends the old one; the repeat stays refused.
	res2 := filepath.Join(dir, "r2.jsonl")
	if code, out, errOut := runCLI(t, "", "push", "meteroid", "events", "--backfill", "--json", "--results", res2, in); code != 1 || srv.UniqueEvents() != 3 {
		t.Errorf("backfill: exit %d, %d events\n%s\n%s", code, srv.UniqueEvents(), out, errOut)
	}
}

// TestKillAndResumeMeteroidEvents: a push of events killed (or
// interrupted) midway and resumed ends with one final success per line and
// every event counted once, after-acting faults included: lines in doubt
// are sent again, and Meteroid's dedupe by (event_id, customer_id) makes
// that safe.
func TestKillAndResumeMeteroidEvents(t *testing.T) {
	const lines = 3000
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	var b strings.Builder
	for i := 1; i <= lines; i++ {
		id := fmt.Sprintf(`"event_id":"kill-%d",`, i)
		if i%4 == 0 {
			id = "" // derived from the line: the same on the resume
		}
		fmt.Fprintf(&b, `{%s"customer_id":"cus_%d","code":"api_calls","timestamp":%q}`+"\n", id, i%3, ts)
	}
	for _, kc := range killCases {
		t.Run(kc.name, func(t *testing.T) {
			srv, err := meteroidtest.Start(meteroidtest.WithGeneratedCustomers(3),
				meteroidtest.WithFaults(fault.Config{Latency: 10 * time.Millisecond, Seed: 3,
					Rates: map[fault.Kind]float64{fault.DropAfter: 0.05, fault.Status500After: 0.05, fault.TruncatedJSON: 0.05}}))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			env := []string{"METEROID_API_KEY=" + srv.APIKey}
			results, _ := killAndResume(t, env, b.String(), lines, kc, "meteroid", "events", "--base-url", srv.URL, "--rate-limit", "-1", "--concurrency", "2")
			checkOneFinalEach(t, results, lines)
			if n := srv.UniqueEvents(); n != lines {
				t.Errorf("the fake holds %d events, want %d", n, lines)
			}
		})
	}
}
