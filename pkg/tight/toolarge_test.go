package tight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// A server that refuses requests over 30 items with 413: the request is
// halved (nothing was saved, so creates are safe to send again), and the
// learnt size applies to the rest of the run, so later chunks are not
// refused first.
func TestTooLargeIsSplitAndRemembered(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var sizes []int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct{ Data []json.RawMessage }
		_ = json.Unmarshal(body, &env)
		mu.Lock()
		sizes = append(sizes, len(env.Data))
		mu.Unlock()
		if len(env.Data) > 30 {
			http.Error(w, "request entity too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := tight.New(option.WithBaseURL(front.URL), option.WithToken(srv.Token), option.WithRateLimit(0, 0), option.WithBatchSize(100), option.WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	items := newCustomers("big", 300)
	for i, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}
	if n := len(srv.Customers()); n != 300 {
		t.Fatalf("the fake holds %d customers, want 300", n)
	}
	// First chunk: 100 refused, 50 refused, then 25s; later chunks go out
	// at 25 straight away: 2 refusals in all.
	refused := 0
	for _, n := range sizes {
		if n > 30 {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("request sizes %v: %d refused, want 2", sizes, refused)
	}
}
