package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// fakeCLI is a "billbridge fake" command running in-process.
type fakeCLI struct {
	url    string
	env    map[string]string
	srv    any // the server the command started
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer the command and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFakeCLI runs "billbridge fake <args>" until the test ends and reads
// its banner up to the credential named last.
func startFakeCLI(t *testing.T, last string, args ...string) *fakeCLI {
	t.Helper()
	f := &fakeCLI{env: map[string]string{}, done: make(chan int, 1), stderr: &syncBuffer{}}
	started := make(chan any, 1)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), fakeStartedKey{}, func(srv any) { started <- srv }))
	f.cancel = cancel
	pr, pw := io.Pipe()
	go func() {
		f.done <- run(ctx, append([]string{"fake"}, args...), nil, pw, f.stderr)
		pw.Close()
	}()
	t.Cleanup(func() { f.stop(t) })
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			f.url = u
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		f.env[k] = v
		if k == last {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if f.url == "" || f.env[last] == "" {
		t.Fatalf("banner: url %q env %v; stderr: %s", f.url, f.env, f.stderr)
	}
	select {
	case f.srv = <-started:
	default:
		t.Fatal("fake did not report the server it started")
	}
	return f
}

// stop ends the command and checks that it exited 0.
func (f *fakeCLI) stop(t *testing.T) {
	t.Helper()
	if f.cancel == nil {
		return
	}
	f.cancel()
	f.cancel = nil
	select {
	case code := <-f.done:
		if code != exitOK {
			t.Errorf("fake exited %d; stderr: %s", code, f.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fake did not stop on cancel")
	}
}

// saveCustomer posts one customer to a Tight fake on a fresh connection
// (a POST that net/http does not resend on its own).
func saveCustomer(t *testing.T, f *fakeCLI, name string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+"/v6/customers", strings.NewReader(`{"data":[{"name":"`+name+`"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.env["TIGHT_TOKEN"])
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// TestFakeFaultFlag runs "billbridge fake tight --fault KIND=1" for the
// after-acting kinds and checks that the answer carries the fault while the
// fake saved the customer; --error-rate keeps failing before acting.
func TestFakeFaultFlag(t *testing.T) {
	cases := []struct {
		args   []string
		kind   fault.Kind // the one kind every request gets; "" for any of 500..504
		saved  bool       // the handler acted
		answer func(*http.Response, []byte, error) bool
	}{
		{[]string{"--fault", "500-after=1"}, fault.Status500After, true, func(r *http.Response, _ []byte, err error) bool {
			return err == nil && r.StatusCode == http.StatusInternalServerError
		}},
		{[]string{"--fault", "drop-after=1"}, fault.DropAfter, true, func(_ *http.Response, _ []byte, err error) bool {
			return err != nil
		}},
		{[]string{"--fault", "truncated-json=1"}, fault.TruncatedJSON, true, func(r *http.Response, body []byte, err error) bool {
			return err == nil && r.StatusCode == http.StatusOK && len(body) > 0 && !json.Valid(body)
		}},
		{[]string{"--fault", "502=1"}, fault.Status502, false, func(r *http.Response, _ []byte, err error) bool {
			return err == nil && r.StatusCode == http.StatusBadGateway
		}},
		{[]string{"--error-rate", "1"}, "", false, func(r *http.Response, _ []byte, err error) bool {
			return err == nil && r.StatusCode >= 500 && r.StatusCode <= 504
		}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f := startFakeCLI(t, "TIGHT_TOKEN", append([]string{"tight", "--seed", "3"}, tc.args...)...)
			srv, ok := f.srv.(*tighttest.Server)
			if !ok {
				t.Fatalf("started %T", f.srv)
			}
			resp, body, err := saveCustomer(t, f, "Acme")
			if !tc.answer(resp, body, err) {
				t.Fatalf("answer %v %q %v", resp, body, err)
			}
			if err == nil {
				got := fault.Kind(resp.Header.Get(fault.Header))
				if tc.kind != "" && got != tc.kind || got == fault.None {
					t.Errorf("%s: %q, want %q", fault.Header, got, tc.kind)
				}
			}
			counts := srv.Faults.Counts()
			if tc.kind != "" && (counts[tc.kind] != 1 || len(counts) != 1) {
				t.Errorf("faults injected: %v, want one %s", counts, tc.kind)
			}
			customers := srv.Customers()
			if saved := len(customers) == 1 && customers[0].Name != nil && *customers[0].Name == "Acme"; saved != tc.saved || len(customers) > 1 {
				t.Errorf("the fake holds %d customers, want saved=%v", len(customers), tc.saved)
			}
			f.stop(t)
			if !strings.Contains(f.stderr.String(), "faults: ") {
				t.Errorf("no faults banner on stderr: %s", f.stderr)
			}
		})
	}
}

// TestFakeAfterActingRate checks that --after-acting-rate spreads over the
// three after-acting kinds, each request saving its customer.
func TestFakeAfterActingRate(t *testing.T) {
	f := startFakeCLI(t, "TIGHT_TOKEN", "tight", "--after-acting-rate", "1", "--seed", "5")
	srv := f.srv.(*tighttest.Server)
	const n = 30
	for i := range n {
		resp, body, err := saveCustomer(t, f, "Acme")
		if err == nil && resp.StatusCode == http.StatusOK && json.Valid(body) {
			t.Fatalf("request %d answered intact: %s", i, body)
		}
	}
	counts := srv.Faults.Counts()
	total := 0
	for _, k := range []fault.Kind{fault.DropAfter, fault.TruncatedJSON, fault.Status500After} {
		if counts[k] == 0 {
			t.Errorf("no %s among %d requests: %v", k, n, counts)
		}
		total += counts[k]
	}
	if total != n || len(counts) != 3 {
		t.Errorf("faults %v, want %d after-acting ones", counts, n)
	}
	if got := len(srv.Customers()); got != n {
		t.Errorf("the fake saved %d customers, want %d", got, n)
	}
	f.stop(t)
	if want := "drop-after=0.333 truncated-json=0.333 500-after=0.333"; !strings.Contains(f.stderr.String(), want) {
		t.Errorf("banner lacks %q: %s", want, f.stderr)
	}
}

func TestFakeFaultUsageErrors(t *testing.T) {
	allKinds := func(stderr string) bool {
		for _, k := range fault.Kinds() {
			if !strings.Contains(stderr, string(k)) {
				return false
			}
		}
		return true
	}
	cases := []struct {
		args  []string
		want  string
		kinds bool // the message lists every kind
	}{
		{[]string{"--fault", "boom=0.1"}, `unknown fault kind "boom"`, true},
		{[]string{"--fault", "rate-limit=0.1"}, "use --rate-limit", true},
		{[]string{"--fault", "500-after"}, "want KIND=RATE", true},
		{[]string{"--fault", "=0.1"}, `unknown fault kind ""`, true},
		{[]string{"--fault", "drop-after=1.5"}, `rate "1.5" of drop-after: want a share between 0 and 1`, false},
		{[]string{"--fault", "drop-after=-0.1"}, "want a share between 0 and 1", false},
		{[]string{"--fault", "drop-after=NaN"}, "want a share between 0 and 1", false},
		{[]string{"--fault", "drop-after=lots"}, "want a share between 0 and 1", false},
		{[]string{"--fault", "500=0.1", "--fault", "500=0.2"}, "500 given twice", false},
		{[]string{"--fault", "500=0.6", "--fault", "drop-after=0.5"}, "add up to 1.1", false},
		{[]string{"--error-rate", "0.8", "--after-acting-rate", "0.3"}, "add up to 1.1", false},
		{[]string{"--error-rate", "0.5", "--fault", "500-after=0.6"}, "want at most 1", false},
		{[]string{"--after-acting-rate", "2"}, "--after-acting-rate 2: want a share between 0 and 1", false},
		{[]string{"--error-rate", "NaN"}, "--error-rate NaN: want a share between 0 and 1", false},
		{[]string{"--error-rate", "-1"}, "want a share between 0 and 1", false},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			// A command line that wrongly passes would serve until the
			// deadline instead of failing the test forever.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"fake", "tight"}, tc.args...), nil, &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
			if tc.kinds && !allKinds(stderr.String()) {
				t.Errorf("the message does not list every kind %v: %s", fault.Kinds(), stderr.String())
			}
		})
	}
	// The rates of the three shorthands may add up to exactly 1.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var stderr bytes.Buffer
	if code := run(ctx, []string{"fake", "tight", "--error-rate", "0.4", "--after-acting-rate", "0.3", "--fault", "slow=0.3"}, nil, io.Discard, &stderr); code != exitOK {
		t.Errorf("rates adding up to 1: exit %d, stderr %s", code, stderr.String())
	}
}

// TestFakeHelpNamesEveryKind: the kinds come from package fault, so -h
// lists a kind as soon as it exists, and the usage names the after-acting
// ones --after-acting-rate spreads over.
func TestFakeHelpNamesEveryKind(t *testing.T) {
	code, _, stderr := runCLI(t, "", "fake", "-h")
	if code != exitOK {
		t.Fatalf("fake -h: exit %d", code)
	}
	for _, k := range fault.Kinds() {
		if !strings.Contains(stderr, string(k)) {
			t.Errorf("fake -h does not name %s: %s", k, stderr)
		}
	}
	for _, k := range afterActingKinds() {
		if !strings.Contains(usage, string(k)) {
			t.Errorf("the usage does not name the after-acting kind %s", k)
		}
	}
}
