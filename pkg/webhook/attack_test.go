package webhook_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/billbridge/billbridge/pkg/webhook"
	"github.com/billbridge/billbridge/pkg/webhook/chargeover"
	"github.com/billbridge/billbridge/pkg/webhook/meteroid"
	"github.com/billbridge/billbridge/pkg/webhook/tight"
)

var (
	mSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("meteroid endpoint key, 32 bytes."))
	mOther  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("an attacker's key, also 32 bytes"))
	tSecret = "tight-partner-webhook-secret"
	cSecret = "SFkJ3fy02n17YxNXm96tCGUKVTOAIBsH"
	t0      = time.Unix(1_767_000_000, 0)
)

// logSink collects the handler's log so tests can check that no secret
// reaches it.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func meteroidBody(i int) []byte {
	return fmt.Appendf(nil, `{"id":"evt_%d","type":"invoice.paid","invoice_id":"inv_%d","customer_id":"cus_1","status":"PAID","currency":"EUR","total":%d,"tax_amount":0,"created_at":"2026-01-01T00:00:00Z","timestamp":"2026-01-01T00:00:00Z"}`, i, i, 100*i)
}

func meteroidDelivery(t testing.TB, key, id string, at time.Time, body []byte) (http.Header, []byte) {
	h, err := meteroid.Sign(key, id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

func tightBody(i int) []byte {
	return fmt.Appendf(nil, `{"editor":{"userId":"u_1"},"company":{"id":"co_1"},"type":"LIFECYCLE","event":"invoicePaid","datetime":"2026-01-01T00:00:%02dZ","eventData":{"entityId":"inv_%d"}}`, i%60, i)
}

func tightDelivery(t testing.TB, tok string, body []byte) (http.Header, []byte) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(tight.Header, tok)
	return h, body
}

func tightToken(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func chargeoverDelivery(key, token string, i int) (http.Header, []byte) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(chargeover.Header, key)
	body := fmt.Appendf(nil, `{"context_str":"invoice","context_id":%d,"event":"insert","data":{"invoice":{"invoice_id":%d,"mod_datetime":"2026-01-01 00:00:00"}},"security_token":"%s"}`, i, i, token)
	return h, body
}

func send(h http.Handler, hdr http.Header, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header = hdr.Clone()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// TestAttacksAreRefused sends each attack to the provider's Handler and
// checks the 4xx and that the user's function was never called. A replay
// is sent after a genuine delivery and must not reach the function again.
func TestAttacksAreRefused(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		h    http.Header
		body []byte
	}
	big := append([]byte(`{"pad":"`), append(bytes.Repeat([]byte("x"), webhook.DefaultMaxBodyBytes), `"}`...)...)
	with := func(h http.Header, k, v string) http.Header { h = h.Clone(); h.Set(k, v); return h }

	mGoodH, mGoodB := meteroidDelivery(t, mSecret, "msg_1", t0, meteroidBody(1))
	mTampered := with(mGoodH, meteroid.HeaderSignature, "v1,"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	mWrongH, _ := meteroidDelivery(t, mOther, "msg_1", t0, meteroidBody(1))
	mStaleH, _ := meteroidDelivery(t, mSecret, "msg_1", t0.Add(-6*time.Minute), meteroidBody(1))
	mFutureH, _ := meteroidDelivery(t, mSecret, "msg_1", t0.Add(6*time.Minute), meteroidBody(1))
	mBigH, _ := meteroidDelivery(t, mSecret, "msg_big", t0, big)

	tClaims := jwt.MapClaims{"iat": t0.Unix(), "exp": t0.Add(5 * time.Minute).Unix()}
	tGood := tightToken(t, jwt.SigningMethodHS256, []byte(tSecret), tClaims)
	tGoodH, tGoodB := tightDelivery(t, tGood, tightBody(1))

	cGoodH, cGoodB := chargeoverDelivery(cSecret, cSecret, 1)
	cWrongH, cWrongB := chargeoverDelivery("guess", "guess", 1)
	cMixH, cMixB := chargeoverDelivery(cSecret, "another-token", 1)
	cMix2H, cMix2B := chargeoverDelivery("another-key", cSecret, 1)

	type attack struct {
		name string
		d    delivery
	}
	for _, pc := range []struct {
		name    string
		newH    func(...webhook.Option) (*webhook.Handler, error)
		good    delivery
		attacks []attack
	}{
		{"meteroid", func(o ...webhook.Option) (*webhook.Handler, error) { return meteroid.NewHandler(mSecret, o...) },
			delivery{mGoodH, mGoodB}, []attack{
				{"bad signature", delivery{mTampered, mGoodB}},
				{"body tampered", delivery{mGoodH, meteroidBody(2)}},
				{"wrong secret", delivery{mWrongH, mGoodB}},
				{"stale timestamp (6 min)", delivery{mStaleH, mGoodB}},
				{"future timestamp (6 min)", delivery{mFutureH, mGoodB}},
				{"no signature", delivery{with(mGoodH, meteroid.HeaderSignature, ""), mGoodB}},
				{"oversized body", delivery{mBigH, big}},
				{"wrong content type", delivery{with(mGoodH, "Content-Type", "text/plain"), mGoodB}},
			}},
		{"tight", func(o ...webhook.Option) (*webhook.Handler, error) { return tight.NewHandler(tSecret, o...) },
			delivery{tGoodH, tGoodB}, []attack{
				{"bad signature", delivery{with(tGoodH, tight.Header, tGood[:len(tGood)-4]+"AAAA"), tGoodB}},
				{"wrong secret", delivery{with(tGoodH, tight.Header, tightToken(t, jwt.SigningMethodHS256, []byte("guess"), tClaims)), tGoodB}},
				{"alg none", delivery{with(tGoodH, tight.Header, tightToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, tClaims)), tGoodB}},
				{"alg HS512 (right secret)", delivery{with(tGoodH, tight.Header, tightToken(t, jwt.SigningMethodHS512, []byte(tSecret), tClaims)), tGoodB}},
				{"alg RS256", delivery{with(tGoodH, tight.Header, tightToken(t, jwt.SigningMethodRS256, rsaKey, tClaims)), tGoodB}},
				{"expired token", delivery{with(tGoodH, tight.Header, tightToken(t, jwt.SigningMethodHS256, []byte(tSecret), jwt.MapClaims{"exp": t0.Add(-time.Minute).Unix()})), tGoodB}},
				{"no token", delivery{with(tGoodH, tight.Header, ""), tGoodB}},
				{"oversized body", delivery{tGoodH, big}},
				{"wrong content type", delivery{with(tGoodH, "Content-Type", "application/x-www-form-urlencoded"), tGoodB}},
			}},
		{"chargeover", func(o ...webhook.Option) (*webhook.Handler, error) { return chargeover.NewHandler(cSecret, o...) },
			delivery{cGoodH, cGoodB}, []attack{
				{"wrong secret (both)", delivery{cWrongH, cWrongB}},
				{"security_token differs from header", delivery{cMixH, cMixB}},
				{"header differs from security_token", delivery{cMix2H, cMix2B}},
				{"no header", delivery{with(cGoodH, chargeover.Header, ""), cGoodB}},
				{"oversized body", delivery{cGoodH, big}},
				{"wrong content type", delivery{with(cGoodH, "Content-Type", "text/plain"), cGoodB}},
			}},
	} {
		t.Run(pc.name, func(t *testing.T) {
			var calls atomic.Int32
			logs := &logSink{}
			h, err := pc.newH(webhook.WithClock(func() time.Time { return t0 }),
				webhook.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			h.Fallback(func(context.Context, webhook.Event) error { calls.Add(1); return nil })
			for _, a := range pc.attacks {
				code := send(h, a.d.h, a.d.body)
				if code < 400 || code > 499 {
					t.Errorf("%s: %d, want 4xx", a.name, code)
				}
				t.Logf("%-40s -> %d", a.name, code)
			}
			if n := calls.Load(); n != 0 {
				t.Fatalf("the function was called %d times by attacks", n)
			}
			if code := send(h, pc.good.h, pc.good.body); code != 200 || calls.Load() != 1 {
				t.Fatalf("genuine delivery: %d, calls %d", code, calls.Load())
			}
			code := send(h, pc.good.h, pc.good.body)
			t.Logf("%-40s -> %d", "replayed delivery", code)
			if code != 200 || calls.Load() != 1 {
				t.Fatalf("replay: %d, calls %d (want 200 and no second call)", code, calls.Load())
			}
			for _, s := range []string{mSecret, strings.TrimPrefix(mSecret, "whsec_"), tSecret, cSecret, tGood} {
				if strings.Contains(logs.String(), s) {
					t.Fatalf("the log holds a secret or credential")
				}
			}
		})
	}

	// With WithDuplicateStatus(409) a replay is refused with a 4xx.
	var calls atomic.Int32
	h, _ := meteroid.NewHandler(mSecret, webhook.WithClock(func() time.Time { return t0 }), webhook.WithDuplicateStatus(http.StatusConflict),
		webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h.Fallback(func(context.Context, webhook.Event) error { calls.Add(1); return nil })
	if c := send(h, mGoodH, mGoodB); c != 200 {
		t.Fatal(c)
	}
	if c := send(h, mGoodH, mGoodB); c != http.StatusConflict || calls.Load() != 1 {
		t.Fatalf("replay with 409 option: %d, calls %d", c, calls.Load())
	}
	// A replay under a fresh id but an old timestamp is stale, and a fresh
	// timestamp cannot be signed without the secret: both refused.
	staleNewID, _ := meteroidDelivery(t, mSecret, "msg_other", t0.Add(-10*time.Minute), mGoodB)
	if c := send(h, staleNewID, mGoodB); c != http.StatusUnauthorized || calls.Load() != 1 {
		t.Fatalf("stale under a new id: %d", c)
	}
}

// TestExactlyOnceUnderRetriesAndDuplicates simulates each provider's sender
// over a real HTTP server: n events, sent concurrently; the user's function
// fails now and then (the sender retries after the 500, re-signing as the
// provider does); the sender sometimes sends a delivery twice at once, and
// sometimes again after a success (a lost 200). Every event must be handled
// exactly once.
func TestExactlyOnceUnderRetriesAndDuplicates(t *testing.T) {
	const n = 300
	type mk func(t testing.TB, i, attempt int, at time.Time) (http.Header, []byte)
	for _, pc := range []struct {
		name     string
		newH     func(...webhook.Option) (*webhook.Handler, error)
		delivery mk
	}{
		{"meteroid", func(o ...webhook.Option) (*webhook.Handler, error) { return meteroid.NewHandler(mSecret, o...) },
			func(t testing.TB, i, _ int, at time.Time) (http.Header, []byte) {
				// Svix: same webhook-id, new timestamp and signature per attempt.
				return meteroidDelivery(t, mSecret, fmt.Sprintf("msg_%d", i), at, meteroidBody(i))
			}},
		{"tight", func(o ...webhook.Option) (*webhook.Handler, error) { return tight.NewHandler(tSecret, o...) },
			func(t testing.TB, i, attempt int, at time.Time) (http.Header, []byte) {
				tok := tightToken(t, jwt.SigningMethodHS256, []byte(tSecret), jwt.MapClaims{"iat": at.Unix(), "exp": at.Add(5 * time.Minute).Unix(), "jti": fmt.Sprint(i, "-", attempt)})
				return tightDelivery(t, tok, tightBody(i))
			}},
		{"chargeover", func(o ...webhook.Option) (*webhook.Handler, error) { return chargeover.NewHandler(cSecret, o...) },
			func(_ testing.TB, i, _ int, _ time.Time) (http.Header, []byte) {
				return chargeoverDelivery(cSecret, cSecret, i)
			}},
	} {
		t.Run(pc.name, func(t *testing.T) {
			var mu sync.Mutex
			handled := map[string]int{}
			failed := map[string]bool{}
			var failures atomic.Int32
			h, err := pc.newH(webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			if err != nil {
				t.Fatal(err)
			}
			h.Fallback(func(_ context.Context, e webhook.Event) error {
				key := e.EntityType + "/" + e.EntityID
				mu.Lock()
				defer mu.Unlock()
				// A quarter of the events fail on their first attempt.
				if !failed[key] && mrand.IntN(4) == 0 {
					failed[key] = true
					failures.Add(1)
					return errors.New("database unavailable")
				}
				handled[key]++
				return nil
			})
			srv := httptest.NewServer(h)
			defer srv.Close()

			post := func(hdr http.Header, body []byte) int {
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
				req.Header = hdr
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return 0
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			var sent, dups atomic.Int32
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			for i := range n {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					for attempt := 0; ; attempt++ {
						if attempt > 50 {
							t.Errorf("event %d never acknowledged", i)
							return
						}
						hdr, body := pc.delivery(t, i, attempt, time.Now())
						codes := make(chan int, 2)
						copies := 1
						if mrand.IntN(5) == 0 { // the sender fires twice at once
							copies = 2
							dups.Add(1)
						}
						for range copies {
							go func() { codes <- post(hdr.Clone(), body) }()
						}
						ok := false
						for range copies {
							sent.Add(1)
							if c := <-codes; c == 200 {
								ok = true
							}
						}
						if ok {
							if mrand.IntN(8) == 0 { // our 200 was "lost": the sender resends
								sent.Add(1)
								dups.Add(1)
								if c := post(hdr.Clone(), body); c != 200 {
									t.Errorf("resend after success: %d", c)
								}
							}
							return
						}
						time.Sleep(time.Millisecond) // the provider's back-off, shortened
					}
				}()
			}
			wg.Wait()
			if len(handled) != n {
				t.Fatalf("%d events handled, want %d", len(handled), n)
			}
			for k, c := range handled {
				if c != 1 {
					t.Errorf("%s handled %d times", k, c)
				}
			}
			t.Logf("%d events, %d requests, %d duplicates, %d failures retried: each handled once", n, sent.Load(), dups.Load(), failures.Load())
		})
	}
}
