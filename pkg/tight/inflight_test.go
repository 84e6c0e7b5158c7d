package tight_test

import (
	"context"
	"iter"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// peakCounter is an http.RoundTripper under the client's transport that
// records how many requests are on the wire at once, token requests apart.
type peakCounter struct {
	base http.RoundTripper

	mu                    sync.Mutex
	api, all              int
	peakAPI, peakAll, req int
}

func (p *peakCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	token := strings.HasSuffix(r.URL.Path, "/auth/token")
	p.mu.Lock()
	p.all++
	p.req++
	if !token {
		p.api++
	}
	p.peakAll, p.peakAPI = max(p.peakAll, p.all), max(p.peakAPI, p.api)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.all--
		if !token {
			p.api--
		}
		p.mu.Unlock()
	}()
	return p.base.RoundTrip(r)
}

// TestSaveKeepsConcurrencyRequestsInFlight: a batch save through the real
// facade, against the fake with latency and faults, never has more than
// Concurrency requests on the wire, although one more chunk than that is
// prepared at a time; token fetches (tokens expire mid-run, fetched under a
// held place), retries and the look-ups that settle unknown creates count
// too. It also ends, with one result per item: nothing under a held place
// waits for another.
func TestSaveKeepsConcurrencyRequestsInFlight(t *testing.T) {
	const conc, n = 3, 400
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Seed: 7,
		Latency: 2 * time.Millisecond, Jitter: 3 * time.Millisecond,
		Rates: map[fault.Kind]float64{fault.Status503: 0.05, fault.DropAfter: 0.03, fault.TooMany: 0.03},
		Skip:  func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/auth/token") }}))
	counter := &peakCounter{base: http.DefaultTransport}
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		option.WithHTTPClient(&http.Client{Transport: counter}), fastRetry(), option.WithRateLimit(0, 0),
		option.WithBatchSize(10), option.WithConcurrency(conc))
	if err != nil {
		t.Fatal(err)
	}
	items := append(newCustomers("fly", n/2), upsertCustomers("flyup", n/2)...)
	// Mixed kinds, so that chunks of creates and of upserts interleave.
	for i := 0; i+1 < len(items); i += 2 {
		j := n/2 + i/2
		if j < len(items) {
			items[i+1], items[j] = items[j], items[i+1]
		}
	}
	var seq iter.Seq[tight.CustomerInput] = func(yield func(tight.CustomerInput) bool) {
		for i, it := range items {
			if i == n/3 || i == 2*n/3 {
				srv.ExpireTokens()
			}
			if !yield(it) {
				return
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := 0
	for r := range c.SaveCustomersSeq(ctx, seq) {
		if r.Index != got {
			t.Fatalf("result %d has index %d", got, r.Index)
		}
		got++
	}
	if ctx.Err() != nil {
		t.Fatal("the save did not end within 30 s: something waits for a place it cannot get")
	}
	if got != n {
		t.Fatalf("%d results for %d items", got, n)
	}
	for name, k := range nameCounts(srv) {
		if k > 1 {
			t.Errorf("%s saved %d times", name, k)
		}
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	t.Logf("%d requests, peak %d API requests and %d in all on the wire, %d tokens issued", counter.req, counter.peakAPI, counter.peakAll, srv.IssuedTokens())
	if counter.peakAPI > conc || counter.peakAll > conc {
		t.Errorf("peak %d API requests, %d with token requests, on the wire at once; Concurrency is %d", counter.peakAPI, counter.peakAll, conc)
	}
	if counter.peakAPI < 2 {
		t.Errorf("peak %d requests on the wire: the concurrency is not used", counter.peakAPI)
	}
	if srv.IssuedTokens() < 2 {
		t.Errorf("%d tokens issued: the run did not fetch a token mid-run", srv.IssuedTokens())
	}
}
