package fake_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fake"
)

func sign(secret, id string, _ time.Time, body []byte) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set("X-Secret", secret)
	h.Set("X-Id", id)
	return h, body, nil
}

// A receiver that refuses the first two attempts of every delivery: each is
// delivered on its third attempt, signed each time, and the duplicates
// come after the acknowledgement.
func TestWebhooksRetryUntilAcknowledged(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string]int{}
	acked := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Secret") != "s3cret" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("unsigned delivery: %v", r.Header)
		}
		mu.Lock()
		defer mu.Unlock()
		id := r.Header.Get("X-Id")
		if string(b) != `{"n":"`+id+`"}` {
			t.Errorf("delivery %s carries %s", id, b)
		}
		attempts[id]++
		if attempts[id] <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		acked[id]++
	}))
	defer recv.Close()
	w := fake.NewWebhooks(fake.WebhookConfig{URL: recv.URL, Secret: "s3cret", Backoff: time.Millisecond, DuplicateRate: 0.5}, sign)
	defer w.Close()
	const n = 40
	for i := range n {
		id := string(rune('A'+i%26)) + string(rune('a'+i/26))
		w.Send(id, []byte(`{"n":"`+id+`"}`))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for id, c := range acked {
		dups += c - 1
		if c < 1 || c > 2 {
			t.Errorf("%s acknowledged %d times", id, c)
		}
	}
	if len(acked) != n || st.Delivered != n || st.Queued != n || st.Failed != 0 || st.Retries != 2*n || dups != st.Duplicates || dups == 0 {
		t.Fatalf("acked %d, duplicates seen %d, stats %+v", len(acked), dups, st)
	}
}

// A receiver that never acknowledges: the delivery is given up after
// MaxAttempts, and Close gives up what is still queued.
func TestWebhooksGiveUp(t *testing.T) {
	var mu sync.Mutex
	n := 0
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer recv.Close()
	w := fake.NewWebhooks(fake.WebhookConfig{URL: recv.URL, MaxAttempts: 3, Backoff: time.Millisecond, Workers: 1}, sign)
	w.Send("a", []byte(`{}`))
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Failed != 1 || st.Attempts != 3 || n != 3 || w.Err() == nil {
		t.Fatalf("stats %+v, %d requests, err %v", st, n, w.Err())
	}
	w.Close()
	w.Send("b", []byte(`{}`)) // after Close: dropped
	if st := w.Stats(); st.Queued != 1 {
		t.Fatalf("a Send after Close was queued: %+v", st)
	}
	// A sender without URL is nil and does nothing.
	var none *fake.Webhooks = fake.NewWebhooks(fake.WebhookConfig{}, sign)
	none.Send("x", nil)
	if none != nil || none.Flush(context.Background()) != nil || none.Stats() != (fake.WebhookStats{}) {
		t.Fatal("a sender without URL sends")
	}
	none.Close()
}
