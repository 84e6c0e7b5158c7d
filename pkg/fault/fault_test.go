package fault_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fault"
)

const okBody = `{"data":[{"id":"cus_1","name":"Ada Lovelace","email":"ada@example.com"}]}`

// backend is the handler behind the injector; it counts its calls.
type backend struct{ calls atomic.Int64 }

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.calls.Add(1)
	_, _ = io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, okBody)
}

// render writes a provider-style JSON error and records the statuses asked.
type render struct {
	mu       sync.Mutex
	statuses []int
}

func (rd *render) fn(w http.ResponseWriter, r *http.Request, status int) {
	rd.mu.Lock()
	rd.statuses = append(rd.statuses, status)
	rd.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"type":"FAKE_%d","message":"injected"}}`, status)
}

func setup(t *testing.T, cfg fault.Config) (*fault.Injector, *backend, *render, *httptest.Server) {
	t.Helper()
	rd := &render{}
	be := &backend{}
	in := fault.New(cfg, rd.fn)
	srv := httptest.NewServer(in.Wrap(be))
	t.Cleanup(srv.Close)
	return in, be, rd, srv
}

// call sends a POST (which net/http never resends on its own) on a fresh
// connection and returns the response with its body read.
func call(t *testing.T, srv *httptest.Server, auth string) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/customers", strings.NewReader(`{"name":"Ada"}`))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestStatusFaultsRender(t *testing.T) {
	cases := []struct {
		kind   fault.Kind
		status int
	}{
		{fault.Status500, 500}, {fault.Status502, 502}, {fault.Status503, 503}, {fault.Status504, 504}, {fault.TooMany, 429},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			in, be, rd, srv := setup(t, fault.Config{Sequence: []fault.Kind{c.kind}})
			resp, body, err := call(t, srv, "")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != c.status || body != fmt.Sprintf(`{"error":{"type":"FAKE_%d","message":"injected"}}`, c.status) {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if resp.Header.Get(fault.Header) != string(c.kind) || resp.Header.Get("Retry-After") != "" {
				t.Fatalf("headers %v", resp.Header)
			}
			if be.calls.Load() != 0 || !slices.Equal(rd.statuses, []int{c.status}) {
				t.Fatalf("handler ran %d times, render got %v", be.calls.Load(), rd.statuses)
			}
			// The next request passes through untouched.
			resp, body, err = call(t, srv, "")
			if err != nil || resp.StatusCode != 200 || body != okBody || resp.Header.Get(fault.Header) != "" {
				t.Fatalf("second request: %v %q %v", resp, body, err)
			}
			if got := in.Counts(); got[c.kind] != 1 || len(got) != 1 {
				t.Fatalf("Counts = %v", got)
			}
		})
	}
}

func TestTooManyAfter(t *testing.T) {
	for _, c := range []struct {
		after time.Duration
		want  string
	}{{0, "1"}, {2500 * time.Millisecond, "3"}, {time.Second, "1"}} {
		_, be, _, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.TooManyAfter}, RetryAfter: c.after})
		resp, _, err := call(t, srv, "")
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != c.want || resp.Header.Get(fault.Header) != string(fault.TooManyAfter) {
			t.Fatalf("RetryAfter %v: %v %v", c.after, resp, err)
		}
		if be.calls.Load() != 0 {
			t.Fatal("handler ran")
		}
	}
}

func TestRateLimitPerCredential(t *testing.T) {
	statuses := func(srv *httptest.Server, auth string, n int, wantRetryAfter string) []int {
		t.Helper()
		var out []int
		for range n {
			resp, _, err := call(t, srv, auth)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, resp.StatusCode)
			if resp.StatusCode == 429 {
				if resp.Header.Get(fault.Header) != string(fault.RateLimited) {
					t.Fatalf("429 without the fault header: %v", resp.Header)
				}
				if ra := resp.Header.Get("Retry-After"); ra != wantRetryAfter {
					t.Fatalf("Retry-After = %q, want %q", ra, wantRetryAfter)
				}
			}
		}
		return out
	}
	in, be, _, srv := setup(t, fault.Config{RateLimit: &fault.Limit{Requests: 2, Per: time.Hour}, RetryAfter: time.Second})
	// The bucket refills in 30 minutes, longer than Config.RetryAfter.
	if got := statuses(srv, "Bearer tok-a", 3, "1800"); !slices.Equal(got, []int{200, 200, 429}) {
		t.Fatalf("credential A: %v", got)
	}
	if got := statuses(srv, "Bearer tok-b", 3, "1800"); !slices.Equal(got, []int{200, 200, 429}) {
		t.Fatalf("credential B (a separate bucket): %v", got)
	}
	if got := statuses(srv, "Bearer tok-a", 1, "1800"); !slices.Equal(got, []int{429}) {
		t.Fatalf("credential A again: %v", got)
	}
	if be.calls.Load() != 4 || in.Counts()[fault.RateLimited] != 3 {
		t.Fatalf("handler ran %d times, counts %v", be.calls.Load(), in.Counts())
	}

	// An explicit burst, and no Config.RetryAfter: no Retry-After header.
	_, _, _, srv2 := setup(t, fault.Config{RateLimit: &fault.Limit{Requests: 10, Per: time.Hour, Burst: 1}})
	if got := statuses(srv2, "Bearer x", 3, ""); !slices.Equal(got, []int{200, 429, 429}) {
		t.Fatalf("burst 1: %v", got)
	}
}

func TestRateLimitRefills(t *testing.T) {
	_, _, _, srv := setup(t, fault.Config{RateLimit: &fault.Limit{Requests: 1, Per: 30 * time.Millisecond}})
	first, _, _ := call(t, srv, "k")
	second, _, _ := call(t, srv, "k")
	time.Sleep(40 * time.Millisecond)
	third, _, _ := call(t, srv, "k")
	// The second may or may not land inside the window on a slow machine;
	// the first and the one after a full window must pass.
	if first.StatusCode != 200 || third.StatusCode != 200 || (second.StatusCode != 200 && second.StatusCode != 429) {
		t.Fatalf("got %d %d %d", first.StatusCode, second.StatusCode, third.StatusCode)
	}
}

func TestDrops(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		in, be, _, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.DropBefore}})
		if _, _, err := call(t, srv, ""); err == nil {
			t.Fatal("want a connection error")
		}
		if be.calls.Load() != 0 || in.Counts()[fault.DropBefore] != 1 {
			t.Fatalf("handler ran %d times", be.calls.Load())
		}
	})
	t.Run("after", func(t *testing.T) {
		_, be, _, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.DropAfter}})
		if _, _, err := call(t, srv, ""); err == nil {
			t.Fatal("want a connection error")
		}
		if be.calls.Load() != 1 {
			t.Fatalf("handler ran %d times, want 1 (it acted, the answer was lost)", be.calls.Load())
		}
		if resp, body, err := call(t, srv, ""); err != nil || body != okBody {
			t.Fatalf("next request: %v %v", resp, err)
		}
	})
}

func TestSlowBodyTrickles(t *testing.T) {
	_, be, _, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.Slow}, SlowBody: 100 * time.Millisecond})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	start := time.Now()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	headers := time.Since(start)
	var reads int
	var body []byte
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			reads++
			body = append(body, buf[:n]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	total := time.Since(start)
	if string(body) != okBody || resp.StatusCode != 200 || resp.Header.Get(fault.Header) != string(fault.Slow) || be.calls.Load() != 1 {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if total < 100*time.Millisecond || reads < 2 {
		t.Fatalf("body arrived in %v over %d reads (headers after %v); want a trickle over ≥100ms", total, reads, headers)
	}
}

func TestTruncatedJSON(t *testing.T) {
	_, be, _, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.TruncatedJSON}})
	resp, body, err := call(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body != okBody[:len(okBody)/2] || json.Valid([]byte(body)) || be.calls.Load() != 1 {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get(fault.Header) != string(fault.TruncatedJSON) {
		t.Fatalf("headers %v", resp.Header)
	}
}

func TestHTMLErrorPage(t *testing.T) {
	_, be, rd, srv := setup(t, fault.Config{Sequence: []fault.Kind{fault.HTMLErrorPage}})
	resp, body, err := call(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<title>502 Bad Gateway</title>") {
		t.Fatalf("got %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if be.calls.Load() != 0 || len(rd.statuses) != 0 {
		t.Fatal("an HTML page comes from the proxy, not the handler nor the renderer")
	}
}

func TestSequenceInOrderThenPassThrough(t *testing.T) {
	seq := []fault.Kind{fault.Status500, fault.None, fault.TooMany, fault.HTMLErrorPage, fault.None}
	in, be, _, srv := setup(t, fault.Config{Sequence: seq})
	var got []int
	for range 7 {
		resp, _, err := call(t, srv, "")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.StatusCode)
	}
	if want := []int{500, 200, 429, 502, 200, 200, 200}; !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	if be.calls.Load() != 4 {
		t.Fatalf("handler ran %d times", be.calls.Load())
	}
	want := map[fault.Kind]int{fault.Status500: 1, fault.TooMany: 1, fault.HTMLErrorPage: 1}
	if got := in.Counts(); len(got) != len(want) || got[fault.Status500] != 1 || got[fault.TooMany] != 1 || got[fault.HTMLErrorPage] != 1 {
		t.Fatalf("Counts = %v", got)
	}
}

func kindsOf(t *testing.T, cfg fault.Config, n int) ([]fault.Kind, map[fault.Kind]int) {
	t.Helper()
	in, _, _, srv := setup(t, cfg)
	var out []fault.Kind
	c := srv.Client() // keep-alive: no drop faults among the rates
	for range n {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, fault.Kind(resp.Header.Get(fault.Header)))
	}
	return out, in.Counts()
}

func TestSameSeedSameFaults(t *testing.T) {
	rates := map[fault.Kind]float64{fault.Status500: 0.15, fault.Status503: 0.15, fault.TooMany: 0.1, fault.TooManyAfter: 0.1, fault.HTMLErrorPage: 0.1}
	// Jitter draws from the same generator: it must not disturb the order.
	cfg := fault.Config{Seed: 42, Rates: rates, Jitter: time.Microsecond}
	a, countsA := kindsOf(t, cfg, 100)
	b, countsB := kindsOf(t, cfg, 100)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	cfg.Seed = 43
	c, _ := kindsOf(t, cfg, 100)
	if slices.Equal(a, c) {
		t.Fatal("a different seed gave the same 100 faults")
	}
	injected := 0
	for k, v := range countsA {
		if _, ok := rates[k]; !ok || v == 0 || countsB[k] != v {
			t.Fatalf("counts %v vs %v", countsA, countsB)
		}
		injected += v
	}
	if len(countsA) != len(rates) || injected < 30 || injected > 90 {
		t.Fatalf("%d faults injected in 100 requests at a 60%% rate: %v", injected, countsA)
	}
}

func TestLatencyAndSkip(t *testing.T) {
	in, be, _, srv := setup(t, fault.Config{
		Latency:  30 * time.Millisecond,
		Sequence: []fault.Kind{fault.Status503},
		Skip:     func(r *http.Request) bool { return r.Header.Get("Authorization") == "skip" },
	})
	resp, _, err := call(t, srv, "skip")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get(fault.Header) != "" || len(in.Counts()) != 0 {
		t.Fatalf("skipped request: %v %v", resp, err)
	}
	start := time.Now()
	resp, _, err = call(t, srv, "")
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("the skipped request must not consume the sequence: %v %v", resp, err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
	if be.calls.Load() != 1 {
		t.Fatalf("handler ran %d times", be.calls.Load())
	}
}

func TestNilRenderAndHelpers(t *testing.T) {
	srv := httptest.NewServer(fault.New(fault.Config{Sequence: []fault.Kind{fault.Status503}}, nil).Wrap(&backend{}))
	defer srv.Close()
	resp, body, err := call(t, srv, "")
	if err != nil || resp.StatusCode != 503 || !strings.Contains(body, "Service Unavailable") {
		t.Fatalf("%v %q %v", resp, body, err)
	}
	for _, k := range []fault.Kind{fault.DropBefore, fault.DropAfter, fault.TruncatedJSON, fault.HTMLErrorPage} {
		if !k.Broken() {
			t.Errorf("%s should be Broken", k)
		}
	}
	for _, k := range []fault.Kind{fault.None, fault.Status500, fault.TooMany, fault.TooManyAfter, fault.RateLimited, fault.Slow} {
		if k.Broken() {
			t.Errorf("%s should not be Broken", k)
		}
	}
	s := fault.Config{Seed: 7, Rates: map[fault.Kind]float64{fault.Status503: 0.25}, RateLimit: &fault.TightLimit}.String()
	for _, want := range []string{"seed=7", "503=0.25", "limit=1000/5m0s"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q lacks %q", s, want)
		}
	}
}

// An observer learns the chosen fault before the injector acts, so a server
// can log a dropped connection before its client sees the drop.
func TestObserverSeesFaultBeforeDrop(t *testing.T) {
	in := fault.New(fault.Config{Sequence: []fault.Kind{fault.DropBefore, fault.None}}, nil)
	var mu sync.Mutex
	var seen []fault.Kind
	h := in.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(fault.WithObserver(r.Context(), func(k fault.Kind) {
			mu.Lock()
			seen = append(seen, k)
			mu.Unlock()
		})))
	}))
	defer srv.Close()
	if _, _, err := call(t, srv, ""); err == nil {
		t.Fatal("dropped request returned no error")
	}
	mu.Lock()
	got := append([]fault.Kind(nil), seen...)
	mu.Unlock()
	if len(got) != 1 || got[0] != fault.DropBefore {
		t.Fatalf("observer saw %q by the time the client saw the drop, want [drop-before]", got)
	}
	if _, _, err := call(t, srv, ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[1] != fault.None {
		t.Fatalf("observer saw %q, want [drop-before None]", seen)
	}
}

// TestKindsListsEveryKind reads the Kind constants from fault.go, so that a
// kind added there without being added to Kinds (and so to the draws and to
// the fake command's --fault) fails here.
func TestKindsListsEveryKind(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "fault.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []fault.Kind
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("a Kind constant that is not a string literal: %#v", v)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				if k := fault.Kind(s); k != fault.None && k != fault.RateLimited {
					declared = append(declared, k)
				}
			}
		}
	}
	got := fault.Kinds()
	if len(declared) < 12 || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(declared))) {
		t.Errorf("Kinds() = %v, the constants declare %v", got, declared)
	}
	got[0] = "mutated"
	if fault.Kinds()[0] == "mutated" {
		t.Error("Kinds returns the package's own slice")
	}
}

// TestEveryKindDrawnByRate gives each kind of Kinds a rate of 1 and checks
// that the request gets it, and that the after-acting kinds let the handler
// act and take its answer away.
func TestEveryKindDrawnByRate(t *testing.T) {
	var after []fault.Kind
	for _, k := range fault.Kinds() {
		if k.AfterActing() {
			after = append(after, k)
		}
		t.Run(string(k), func(t *testing.T) {
			in, be, _, srv := setup(t, fault.Config{Rates: map[fault.Kind]float64{k: 1}, SlowBody: 10 * time.Millisecond})
			resp, body, err := call(t, srv, "")
			if got := in.Counts(); got[k] != 1 || len(got) != 1 {
				t.Fatalf("Counts = %v", got)
			}
			if err == nil && resp.Header.Get(fault.Header) != string(k) {
				t.Errorf("header %q, want %q", resp.Header.Get(fault.Header), k)
			}
			if k.AfterActing() {
				if be.calls.Load() != 1 {
					t.Errorf("after-acting kind: handler ran %d times", be.calls.Load())
				}
				if err == nil && resp.StatusCode == 200 && body == okBody {
					t.Error("after-acting kind: the handler's answer came through intact")
				}
			}
		})
	}
	want := []fault.Kind{fault.DropAfter, fault.TruncatedJSON, fault.Status500After}
	if !slices.Equal(after, want) {
		t.Errorf("after-acting kinds %v, want %v", after, want)
	}
}

// TestLatencyFromArrival: with FromArrival the handler acts as the request
// arrives and its answer (status, headers, body) leaves Latency after the
// arrival; without it the handler runs only after Latency.
func TestLatencyFromArrival(t *testing.T) {
	const latency = 2 * time.Second
	for _, fromArrival := range []bool{true, false} {
		t.Run(strconv.FormatBool(fromArrival), func(t *testing.T) {
			acted := make(chan struct{})
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(acted)
				w.Header().Set("X-Kind", "held")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, okBody)
			})
			in := fault.New(fault.Config{Latency: latency, FromArrival: fromArrival}, nil)
			srv := httptest.NewServer(in.Wrap(handler))
			defer srv.Close()
			sent := time.Now()
			type answer struct {
				status int
				kind   string
				body   string
				err    error
			}
			answered := make(chan answer, 1)
			go func() {
				resp, err := http.Get(srv.URL)
				if err != nil {
					answered <- answer{err: err}
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				answered <- answer{resp.StatusCode, resp.Header.Get("X-Kind"), string(b), nil}
			}()
			select {
			case <-acted:
				if !fromArrival {
					t.Fatal("the handler ran before the latency passed")
				}
			case <-time.After(latency / 2):
				if fromArrival {
					t.Fatal("the handler did not run as the request arrived")
				}
			}
			a := <-answered
			if a.err != nil || a.status != http.StatusCreated || a.kind != "held" || a.body != okBody {
				t.Fatalf("answer %+v; want the handler's 201 with its header and body", a)
			}
			if waited := time.Since(sent); waited < latency {
				t.Fatalf("answered after %v; want at least the latency %v", waited, latency)
			}
		})
	}
}
