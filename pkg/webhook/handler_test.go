package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stub trusts a "X-Ok: yes" header and takes the delivery id from the body.
type stub struct{}

func (stub) Name() string { return "stub" }
func (stub) Verify(h http.Header, _ []byte, _ time.Time) error {
	if h.Get("X-Ok") != "yes" {
		return ErrSignature
	}
	return nil
}
func (stub) Decode(_ http.Header, body []byte) (Event, error) {
	var p struct{ ID, Type string }
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, ErrMalformed
	}
	return Event{Provider: "stub", ID: p.ID, Type: p.Type, Raw: body}, nil
}

func quiet() Option { return WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) }

func post(h http.Handler, body string) int {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Ok", "yes")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestHandlerDispatchFallbackAndUnhandled(t *testing.T) {
	var got []string
	h := NewHandler(stub{}, quiet()).
		On("a", func(_ context.Context, e Event) error { got = append(got, "a:"+e.ID); return nil })
	if c := post(h, `{"id":"1","type":"a"}`); c != 200 {
		t.Fatalf("a: %d", c)
	}
	if c := post(h, `{"id":"2","type":"b"}`); c != 200 { // nobody handles b: acknowledged
		t.Fatalf("b without fallback: %d", c)
	}
	h.Fallback(func(_ context.Context, e Event) error { got = append(got, "fb:"+e.ID); return nil })
	if c := post(h, `{"id":"3","type":"b"}`); c != 200 {
		t.Fatalf("b: %d", c)
	}
	if strings.Join(got, ",") != "a:1,fb:3" {
		t.Fatalf("calls: %v", got)
	}
}

func TestHandlerFailureIsNotSeenAndPanicIsAFailure(t *testing.T) {
	var n atomic.Int32
	h := NewHandler(stub{}, quiet()).On("a", func(context.Context, Event) error {
		switch n.Add(1) {
		case 1:
			return errors.New("db down")
		case 2:
			panic("boom")
		}
		return nil
	})
	for i, want := range []int{500, 500, 200, 200} {
		if c := post(h, `{"id":"x","type":"a"}`); c != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, c, want)
		}
	}
	if n.Load() != 3 {
		t.Fatalf("function called %d times, want 3 (the 4th is a duplicate)", n.Load())
	}
}

func TestHandlerConcurrentCopiesCallOnce(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	h := NewHandler(stub{}, quiet()).On("a", func(context.Context, Event) error {
		n.Add(1)
		<-release
		return nil
	})
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	wg.Add(1)
	go func() { defer wg.Done(); codes <- post(h, `{"id":"x","type":"a"}`) }()
	for n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if c := post(h, `{"id":"x","type":"a"}`); c != http.StatusConflict {
		t.Fatalf("copy while in flight: %d, want 409", c)
	}
	close(release)
	wg.Wait()
	if c := <-codes; c != 200 {
		t.Fatalf("first: %d", c)
	}
	if n.Load() != 1 {
		t.Fatalf("calls: %d", n.Load())
	}
}

func TestMemoryStoreWindow(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore(time.Minute)
	t0 := time.Unix(1000, 0)
	if c, _ := s.Claim(ctx, "a", t0); c != Claimed {
		t.Fatal(c)
	}
	_ = s.Done(ctx, "a", t0)
	if c, _ := s.Claim(ctx, "a", t0.Add(59*time.Second)); c != Seen {
		t.Fatal("within the window:", c)
	}
	if c, _ := s.Claim(ctx, "a", t0.Add(2*time.Minute)); c != Claimed {
		t.Fatal("after the window:", c)
	}
	if len(s.done) != 0 {
		t.Fatalf("expired entries kept: %d", len(s.done))
	}
}

func TestHandlerStatuses(t *testing.T) {
	h := NewHandler(stub{}, quiet(), WithMaxBodyBytes(64), WithDuplicateStatus(409))
	h.Fallback(func(context.Context, Event) error { return nil })
	do := func(method, ct, body string, ok bool) int {
		r := httptest.NewRequest(method, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if ok {
			r.Header.Set("X-Ok", "yes")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, tc := range []struct {
		name, method, ct, body string
		ok                     bool
		want                   int
	}{
		{"get", "GET", "application/json", `{}`, true, 405},
		{"text", "POST", "text/plain", `{}`, true, 415},
		{"form", "POST", "application/x-www-form-urlencoded", `{}`, true, 415},
		{"no content type", "POST", "", `{}`, true, 415},
		{"too big", "POST", "application/json", `{"id":"` + strings.Repeat("x", 100) + `"}`, true, 413},
		{"unsigned", "POST", "application/json", `{"id":"1"}`, false, 401},
		{"malformed", "POST", "application/json", `{`, true, 400},
		{"json with charset", "POST", "application/json; charset=utf-8", `{"id":"1"}`, true, 200},
		{"duplicate (409 by option)", "POST", "application/json", `{"id":"1"}`, true, 409},
	} {
		if got := do(tc.method, tc.ct, tc.body, tc.ok); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
