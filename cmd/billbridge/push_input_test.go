package main

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// countingServer answers every request 503 and counts them: a push that
// should send nothing must leave it at zero, and one that wrongly sends gets
// failed items (exit 1) rather than a success.
func countingServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

func setCredentials(t *testing.T) {
	t.Setenv("TIGHT_TOKEN", "tok_test")
	t.Setenv("TIGHT_CLIENT_ID", "")
	t.Setenv("TIGHT_CLIENT_SECRET", "")
	t.Setenv("CHARGEOVER_USERNAME", "user")
	t.Setenv("CHARGEOVER_PASSWORD", "secret")
	t.Setenv("METEROID_API_KEY", "key_test")
}

// TestPushRefusesBadInput is the bad-input table of issue 12: every row
// exits 2 with a message naming the line (or the flag) and sends nothing.
func TestPushRefusesBadInput(t *testing.T) {
	setCredentials(t)
	url, requests := countingServer(t)
	longLine := `{"name":"` + strings.Repeat("x", maxLineBytes) + `"}`

	for _, tc := range []struct {
		name string
		// args follow "push"; "--base-url URL --max-retries 0" and a final
		// "-" (stdin) are added unless the row names its own input.
		args  []string
		input string
		want  []string
	}{
		// Unknown or misspelt fields, for each of the four pairs.
		{"tight customers unknown field", []string{"tight", "customers"},
			`{"name":"Acme","emial":"billing@acme.example"}` + "\n",
			[]string{`line 1: unknown field "emial"`, "1 of 1 lines are malformed"}},
		{"tight invoices unknown field", []string{"tight", "invoices"},
			`{"customerId":"cus_1","name":"June"}` + "\n" + `{"customerId":"cus_1","notez":"thanks"}` + "\n",
			[]string{`line 2: unknown field "notez"`, "1 of 2 lines are malformed"}},
		{"chargeover customers unknown field", []string{"chargeover", "customers"},
			`{"company":"Acme"}` + "\n" + `{"company":"Beta","externalKey":"k-1"}` + "\n" + `{"company":"Gamma"}` + "\n",
			[]string{`line 2: unknown field "externalKey" (did you mean "external_key"?)`, "1 of 3 lines are malformed"}},
		{"meteroid customers unknown field", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","nmae":"Renamed"}` + "\n",
			[]string{`line 1: unknown field "nmae"`}},
		{"wrong case is refused", []string{"tight", "customers"},
			`{"Name":"Acme"}` + "\n",
			[]string{`line 1: field "Name" differs from the known field "name" only in case`}},
		{"duplicate field", []string{"chargeover", "customers"},
			`{"company":"Acme","external_key":"a","external_key":"b"}` + "\n",
			[]string{`line 1: duplicate field "external_key"`}},

		// Nested objects are checked too.
		{"nested unknown field", []string{"tight", "customers"},
			`{"name":"Acme","address":{"city":"Oslo","zipp":"0150"}}` + "\n",
			[]string{`line 1: unknown field "address/zipp"`}},
		{"unknown field in an array element", []string{"tight", "invoices"},
			`{"customerId":"cus_1","lineItems":[{"description":"a"},{"descripton":"b"}]}` + "\n",
			[]string{`line 1: unknown field "lineItems/1/descripton"`}},
		{"meteroid nested unknown field", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","billing_address":{"cty":"Oslo"}}` + "\n",
			[]string{`line 1: unknown field "billing_address/cty"`}},

		// An empty patch, and with --allow-unknown-fields a line whose only
		// fields are dropped.
		{"meteroid empty patch", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1"}` + "\n",
			[]string{"line 1: nothing to change"}},
		{"meteroid only unknown fields, allowed", []string{"meteroid", "customers", "--allow-unknown-fields"},
			`{"id_or_alias":"cus_1","nmae":"Renamed"}` + "\n",
			[]string{"line 1: nothing to change"}},

		// Empty objects, for each pair.
		{"tight customers {}", []string{"tight", "customers"}, "{}\n", []string{"line 1: empty object: nothing to send"}},
		{"tight invoices {}", []string{"tight", "invoices"}, "{ }\n", []string{"line 1: empty object: nothing to send"}},
		{"chargeover customers {}", []string{"chargeover", "customers"}, "{}\n", []string{"line 1: empty object: nothing to send"}},
		{"meteroid customers {}", []string{"meteroid", "customers"}, "{}\n", []string{"line 1: empty object: nothing to send"}},
		{"tight only nulls", []string{"tight", "customers"}, `{"name":null}` + "\n", []string{"line 1: no field has a value: nothing to send"}},

		// Text that encoding/json would turn into U+FFFD.
		{"invalid UTF-8", []string{"tight", "customers"},
			`{"name":"ok"}` + "\n" + "{\"name\":\"Caf\xe9\"}\n",
			[]string{"line 2: invalid UTF-8 at byte 13", "1 of 2 lines are malformed"}},
		{"lone surrogate escape", []string{"chargeover", "customers"},
			`{"company":"A\udc00"}` + "\n",
			[]string{`line 1: invalid string escape \udc00`}},

		// A line over the limit, named; the lines after it are still read.
		{"long line", []string{"tight", "customers"},
			`{"name":"a"}` + "\n" + longLine + "\n" + `{"name":"b"}` + "\n" + `{"nam":"c"}` + "\n",
			[]string{"line 2 is longer than the 16 MiB limit", `line 4: unknown field "nam"`, "2 of 4 lines are malformed"}},

		// Counts: malformed lines out of all lines read.
		{"counts", []string{"tight", "customers"},
			`{"name":1}` + "\nnot json\n" + `{"name":"ok"}` + "\n",
			[]string{"line 1: field name", "line 2: not valid JSON", "2 of 3 lines are malformed; nothing was sent"}},
		{"counts, every line bad", []string{"tight", "customers"},
			"[]\n\n" + `"x"` + "\n",
			[]string{"line 1: want a JSON object", "line 2: empty line", "line 3: want a JSON object", "3 of 3 lines are malformed"}},

		// Flag bounds, checked before the input is opened (the input file
		// does not exist).
		{"batch size too large", []string{"tight", "customers", "--batch-size", "2000000000", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size 2000000000: must be between 1 and 1000 for tight"}},
		{"batch size zero", []string{"tight", "invoices", "--batch-size", "0", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size 0: must be between 1 and 1000 for tight"}},
		{"batch size negative", []string{"tight", "customers", "--batch-size", "-5", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size -5: must be between 1 and 1000"}},
		{"chargeover batch size over 25", []string{"chargeover", "customers", "--batch-size", "26", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size 26: must be between 1 and 25 for chargeover"}},
		{"meteroid has no batch", []string{"meteroid", "customers", "--batch-size", "10", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size: meteroid has no batch call for customers"}},
		{"meteroid events batch by Meteroid's maximum", []string{"meteroid", "events", "--batch-size", "10", "/nonexistent/input.jsonl"}, "",
			[]string{"--batch-size: meteroid events go 100 to a request"}},
		{"concurrency too large", []string{"meteroid", "customers", "--concurrency", "65", "/nonexistent/input.jsonl"}, "",
			[]string{"--concurrency 65: must be between 1 and 64"}},
		{"concurrency zero", []string{"chargeover", "customers", "--concurrency", "0", "/nonexistent/input.jsonl"}, "",
			[]string{"--concurrency 0: must be between 1 and 64"}},
		{"negative timeout", []string{"tight", "customers", "--timeout", "-1s", "/nonexistent/input.jsonl"}, "",
			[]string{"--timeout -1s: must not be negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := requests.Load()
			args := append([]string{"push"}, tc.args...)
			args = append(args, "--base-url", url, "--max-retries", "0")
			if !strings.HasPrefix(tc.args[len(tc.args)-1], "/") {
				args = append(args, "-")
			}
			code, _, stderr := runCLI(t, tc.input, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%.2000s", want, stderr)
				}
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestPushAllowUnknownFields: the flag lets a line with an unknown field
// through, which is dropped as before.
func TestPushAllowUnknownFields(t *testing.T) {
	in := `{"name":"Acme","emial":"billing@acme.example"}` + "\n"
	code, stdout, stderr := runCLI(t, in, "push", "tight", "customers", "--fake", "--allow-unknown-fields", "--json", "-")
	if code != exitOK || !strings.Contains(stdout, `"succeeded":1`) {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, stdout, stderr)
	}
	in = `{"id_or_alias":"cus_A1","name":"Renamed","nmae":"x"}` + "\n"
	code, stdout, stderr = runCLI(t, in, "push", "meteroid", "customers", "--fake", "--allow-unknown-fields", "--json", "-")
	if code != exitOK || !strings.Contains(stdout, `"succeeded":1`) {
		t.Fatalf("meteroid: exit %d; stdout %s; stderr %s", code, stdout, stderr)
	}
}

// slowTight is a Tight fake that answers every request after latency.
func slowTight(t *testing.T, latency time.Duration) *tighttest.Server {
	t.Helper()
	srv, err := tighttest.Start(tighttest.WithFaults(fault.Config{Latency: latency}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("TIGHT_TOKEN", srv.Token)
	t.Setenv("TIGHT_CLIENT_ID", "")
	t.Setenv("TIGHT_CLIENT_SECRET", "")
	return srv
}

// TestPushTimeout: --timeout ends the push at its deadline; the items not
// sent by then end as not sent (exit 1), in bounded time.
func TestPushTimeout(t *testing.T) {
	srv := slowTight(t, 300*time.Millisecond)
	var in strings.Builder
	for i := range 8 {
		in.WriteString(`{"id":"cus_` + string(rune('a'+i)) + `","name":"Customer"}` + "\n")
	}
	results := filepath.Join(t.TempDir(), "results.jsonl")
	start := time.Now()
	code, _, stderr := runCLI(t, in.String(), "push", "tight", "customers", "--base-url", srv.URL,
		"--batch-size", "1", "--concurrency", "1", "--timeout", "500ms", "--results", results, "-")
	elapsed := time.Since(start)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	if elapsed > 3*time.Second {
		t.Errorf("push took %v with --timeout 500ms", elapsed)
	}
	if !strings.Contains(stderr, "--timeout 500ms reached") {
		t.Errorf("stderr lacks the deadline:\n%s", stderr)
	}
	lines := readResults(t, results)
	if len(lines) != 8 {
		t.Fatalf("%d result lines, want 8: %+v\nstderr: %s", len(lines), lines, stderr)
	}
	notSent := 0
	for _, r := range lines {
		if r.Error != nil && r.Error.Type == "not_sent" {
			notSent++
		}
	}
	// One item answered within the deadline, one was in flight at it: the
	// other six, at least, never left.
	if notSent < 6 {
		t.Errorf("%d items not sent, want at least 6: %+v", notSent, lines)
	}
}

// TestPushAttemptTimeout: --attempt-timeout bounds each attempt.
func TestPushAttemptTimeout(t *testing.T) {
	srv := slowTight(t, 2*time.Second)
	start := time.Now()
	code, _, stderr := runCLI(t, `{"id":"cus_1","name":"Acme"}`+"\n", "push", "tight", "customers", "--base-url", srv.URL,
		"--attempt-timeout", "100ms", "--max-retries", "0", "-")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("one attempt of 100ms took %v", elapsed)
	}
}

// TestLineReaderLimit: a line of exactly the limit is read whole (with "\n"
// or "\r\n", or none at the end); one byte more is reported too long and
// skipped, and reading goes on.
func TestLineReaderLimit(t *testing.T) {
	at := strings.Repeat("x", maxLineBytes)
	over := at + "x"
	in := at + "\r\n" + over + "\nnext\n" + over + "\n" + at
	lr := newLineReader(strings.NewReader(in))
	for i, want := range []struct {
		n       int
		tooLong bool
	}{{maxLineBytes, false}, {0, true}, {4, false}, {0, true}, {maxLineBytes, false}} {
		line, tooLong, err := lr.next()
		if err != nil || tooLong != want.tooLong || len(line) != want.n {
			t.Fatalf("line %d: %d bytes, tooLong %v, err %v; want %d bytes, tooLong %v", i+1, len(line), tooLong, err, want.n, want.tooLong)
		}
	}
	if _, _, err := lr.next(); err == nil {
		t.Fatal("no io.EOF after the last line")
	}
}

// TestPushRefusesCaseFoldedFields: encoding/json would match a key that
// differs from a field only in case ({"name":"Real","Name":"Wrong"} stores
// "Wrong"); push refuses it, naming the line, the key and the real field,
// with or without --allow-unknown-fields, nested objects included, and sends
// nothing.
func TestPushRefusesCaseFoldedFields(t *testing.T) {
	setCredentials(t)
	url, requests := countingServer(t)
	for _, tc := range []struct {
		name  string
		pair  []string
		input string
		want  string
	}{
		{"tight customers", []string{"tight", "customers"},
			`{"name":"Ok"}` + "\n" + `{"name":"Real","Name":"Wrong"}` + "\n",
			`line 2: field "Name" differs from the known field "name" only in case`},
		{"tight customers nested", []string{"tight", "customers"},
			`{"name":"Acme","address":{"city":"Oslo","City":"Bergen"}}` + "\n",
			`line 1: field "address/City" differs from the known field "address/city" only in case`},
		{"tight invoices array element", []string{"tight", "invoices"},
			`{"customerId":"cus_1","lineItems":[{"description":"a"},{"Description":"b"}]}` + "\n",
			`line 1: field "lineItems/1/Description" differs from the known field "lineItems/1/description" only in case`},
		{"chargeover customers Company", []string{"chargeover", "customers"},
			`{"company":"Real","Company":"Wrong"}` + "\n",
			`line 1: field "Company" differs from the known field "company" only in case`},
		{"chargeover customers SuperUser_Email", []string{"chargeover", "customers"},
			`{"company":"Acme","external_key":"k1"}` + "\n" + `{"company":"Beta","SuperUser_Email":"boss@beta.example"}` + "\n",
			`line 2: field "SuperUser_Email" differs from the known field "superuser_email" only in case`},
		{"meteroid customers", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","name":"Real","NAME":"Wrong"}` + "\n",
			`line 1: field "NAME" differs from the known field "name" only in case`},
		{"meteroid customers key", []string{"meteroid", "customers"},
			`{"Id_Or_Alias":"cus_1","name":"Renamed"}` + "\n",
			`line 1: field "Id_Or_Alias" differs from the known field "id_or_alias" only in case`},
		{"meteroid customers nested", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","billing_address":{"City":"Oslo"}}` + "\n",
			`line 1: field "billing_address/City" differs from the known field "billing_address/city" only in case`},
	} {
		for _, extra := range [][]string{nil, {"--allow-unknown-fields"}} {
			t.Run(fmt.Sprint(tc.name, extra), func(t *testing.T) {
				before := requests.Load()
				args := append(append([]string{"push"}, tc.pair...), extra...)
				args = append(args, "--base-url", url, "--max-retries", "0", "-")
				code, _, stderr := runCLI(t, tc.input, args...)
				if code != exitUsage || !strings.Contains(stderr, tc.want) {
					t.Errorf("exit %d, want 2 and %q; stderr:\n%s", code, tc.want, stderr)
				}
				if n := requests.Load() - before; n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
			})
		}
	}
}

// TestNoCaseFoldingBehindSelfDecodingTypes: the field checker does not look
// inside a type that decodes itself; each such type in a line's shape must
// decode a scalar, not an object whose keys encoding/json would match by
// case folding. A type new here (a generated union, say) must be checked and
// added.
func TestNoCaseFoldingBehindSelfDecodingTypes(t *testing.T) {
	scalar := map[string]bool{"flex.Bool": true, "flex.Decimal": true, "types.Date": true}
	seen := map[reflect.Type]bool{}
	var walk func(ty reflect.Type, path string)
	walk = func(ty reflect.Type, path string) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Array || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if seen[ty] {
			return
		}
		seen[ty] = true
		if reflect.PointerTo(ty).Implements(jsonUnmarshaler) || reflect.PointerTo(ty).Implements(textUnmarshaler) {
			if !scalar[ty.String()] {
				t.Errorf("%s: %s decodes itself, unchecked by the field checker", path, ty)
			}
			return
		}
		if ty.Kind() == reflect.Struct {
			for sf := range ty.Fields() {
				walk(sf.Type, path+"/"+sf.Name)
			}
		}
	}
	walk(reflect.TypeFor[tight.CustomerInput](), "tight customers")
	walk(reflect.TypeFor[tight.InvoiceInput](), "tight invoices")
	walk(reflect.TypeFor[chargeover.CustomerCreate](), "chargeover customers")
	walk(reflect.TypeFor[meteroidLine](), "meteroid customers")
}

// TestPushRefusesDuplicateKeys: two lines of one input with one natural key
// (ChargeOver external_key, a Tight id, a Meteroid id_or_alias or alias)
// would both be sent, the winner differing between runs; the first pass
// refuses the later line, naming the earlier one, and nothing is sent.
// Lines without a key (Tight creates) may repeat.
func TestPushRefusesDuplicateKeys(t *testing.T) {
	setCredentials(t)
	url, requests := countingServer(t)
	for _, tc := range []struct {
		name  string
		pair  []string
		input string
		want  []string // nil: the input is valid (checked with --dry-run)
	}{
		{"chargeover external_key, lines 1 and 3", []string{"chargeover", "customers"},
			`{"company":"A","external_key":"k1"}` + "\n" + `{"company":"B","external_key":"k2"}` + "\n" + `{"company":"C","external_key":"k1"}` + "\n",
			[]string{`line 3: external_key "k1" repeats line 1`, "1 of 3 lines are malformed; nothing was sent"}},
		{"chargeover without keys", []string{"chargeover", "customers"},
			`{"company":"A"}` + "\n" + `{"company":"A"}` + "\n" + `{"company":"A","external_key":"k1"}` + "\n", nil},
		{"tight customers id", []string{"tight", "customers"},
			`{"id":"cus_1","name":"A"}` + "\n" + `{"name":"B"}` + "\n" + `{"id":"cus_1","name":"C"}` + "\n",
			[]string{`line 3: id "cus_1" repeats line 1`, "1 of 3 lines are malformed"}},
		{"tight customers creates repeat freely", []string{"tight", "customers"},
			`{"name":"A"}` + "\n" + `{"name":"A"}` + "\n" + `{"id":"cus_1","name":"A"}` + "\n" + `{"id":"cus_2","name":"A"}` + "\n", nil},
		{"tight invoices id", []string{"tight", "invoices"},
			`{"id":"inv_1","customerId":"cus_1"}` + "\n" + `{"customerId":"cus_1"}` + "\n" + `{"id":"inv_1","customerId":"cus_2"}` + "\n",
			[]string{`line 3: id "inv_1" repeats line 1`}},
		{"meteroid id_or_alias", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","name":"A"}` + "\n" + `{"id_or_alias":"cus_2","name":"B"}` + "\n" + `{"id_or_alias":"cus_1","phone":"1"}` + "\n",
			[]string{`line 3: id_or_alias "cus_1" repeats line 1`}},
		{"meteroid alias set twice", []string{"meteroid", "customers"},
			`{"id_or_alias":"cus_1","alias":"acme"}` + "\n" + `{"id_or_alias":"cus_2","alias":"acme"}` + "\n",
			[]string{`line 2: alias "acme" repeats line 1`}},
		{"meteroid alias of a customer addressed by it", []string{"meteroid", "customers"},
			`{"id_or_alias":"acme","name":"A"}` + "\n" + `{"id_or_alias":"cus_2","alias":"acme"}` + "\n",
			[]string{`line 2: alias "acme" repeats line 1`}},
		{"meteroid alias kept on its own line", []string{"meteroid", "customers"},
			`{"id_or_alias":"acme","alias":"acme","name":"A"}` + "\n" + `{"id_or_alias":"cus_2","alias":"beta"}` + "\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := requests.Load()
			args := append([]string{"push"}, tc.pair...)
			args = append(args, "--base-url", url, "--max-retries", "0")
			if tc.want == nil {
				args = append(args, "--dry-run")
			}
			code, _, stderr := runCLI(t, tc.input, append(args, "-")...)
			switch {
			case tc.want == nil && code != exitOK:
				t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
			case tc.want != nil && code != exitUsage:
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestDuplicateKeysUnderCollisions: with every key of a kind hashing alike,
// a hash match alone refuses nothing (the earlier line is read again, from
// the input file or stdin's spool, and its keys compared), and a real
// repeat is still found, also of a key whose hash another key held first,
// and of a line far from the start (read again from a mark), a byte order
// mark and CRLF line ends included.
func TestDuplicateKeysUnderCollisions(t *testing.T) {
	setCredentials(t)
	url, requests := countingServer(t)
	old := hashKey
	t.Cleanup(func() { hashKey = old })
	hashKey = func(seed maphash.Seed, key string) uint64 {
		if strings.HasPrefix(key, "x-") {
			return 42
		}
		return maphash.String(seed, key)
	}
	line := func(key string) string { return `{"company":"C","external_key":"` + key + `"}` }

	var far strings.Builder
	for n := 1; n <= 200; n++ {
		key := fmt.Sprintf("k%d", n)
		switch n {
		case 100, 200:
			key = "x-a"
		case 150, 180:
			key = "x-b"
		}
		far.WriteString(line(key) + "\r\n")
	}
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"collisions only", "\uFEFF" + line("x-a") + "\n" + line("x-b") + "\n" + line("x-c") + "\n", nil},
		{"repeat of the first", "\uFEFF" + line("x-a") + "\n" + line("x-b") + "\n" + line("x-a") + "\n",
			[]string{`line 3: external_key "x-a" repeats line 1`, "1 of 3 lines"}},
		{"repeat of a colliding key", line("x-a") + "\n" + line("x-b") + "\n" + line("x-b") + "\n",
			[]string{`line 3: external_key "x-b" repeats line 2`, "1 of 3 lines"}},
		{"far from the start", far.String(),
			[]string{`line 180: external_key "x-b" repeats line 150`, `line 200: external_key "x-a" repeats line 100`, "2 of 200 lines"}},
	} {
		path := filepath.Join(t.TempDir(), "in.jsonl")
		if err := os.WriteFile(path, []byte(tc.input), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, src := range []string{path, "-"} {
			t.Run(tc.name+" "+filepath.Base(src), func(t *testing.T) {
				before := requests.Load()
				args := []string{"push", "chargeover", "customers", "--base-url", url, "--max-retries", "0"}
				if tc.want == nil {
					args = append(args, "--dry-run")
				}
				code, _, stderr := runCLI(t, tc.input, append(args, src)...)
				if want := map[bool]int{true: exitOK, false: exitUsage}[tc.want == nil]; code != want {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr)
				}
				for _, want := range tc.want {
					if !strings.Contains(stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, stderr)
					}
				}
				if got := strings.Count(stderr, "repeats"); got != len(tc.want)-1 && tc.want != nil {
					t.Errorf("%d lines refused as repeats, want %d:\n%s", got, len(tc.want)-1, stderr)
				}
				if n := requests.Load() - before; n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
			})
		}
	}
}
