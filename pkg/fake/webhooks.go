package fake

// This file is the webhook sender every provider fake shares: a queue of
// deliveries, worked by a few goroutines, each delivery signed as the
// provider signs it, retried with a short backoff until a 2xx, and sent a
// second time now and then on purpose so that receivers can be tested for
// idempotence. A fake maps its state changes to its provider's payload and
// calls Send; everything else is here.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Signer returns the headers (and the body, which a provider may change: a
// ChargeOver body carries its secret) of one attempt of a delivery, as the
// provider would send it. id is the delivery's id (the same for every
// attempt), at the attempt's time.
type Signer func(secret, id string, at time.Time, body []byte) (http.Header, []byte, error)

// WebhookConfig configures a fake's webhook sender. It holds plain values so
// that a command line can map flags onto it; URL "" sends nothing.
type WebhookConfig struct {
	// URL receives every delivery (POST).
	URL string
	// Secret is the endpoint's secret, used as the provider uses it (a
	// whsec_ key for Meteroid, the webhook_secret for Tight, the shared
	// secret for ChargeOver).
	Secret string
	// MaxAttempts bounds the attempts of one delivery (default 10); a
	// delivery still refused after them is counted as failed.
	MaxAttempts int
	// Backoff is the wait before the second attempt (default 10ms); it
	// doubles at each attempt, up to MaxBackoff (default 1s).
	Backoff, MaxBackoff time.Duration
	// Timeout bounds each attempt (default 5s).
	Timeout time.Duration
	// DuplicateRate is the share of deliveries (0..1) sent once more after
	// they were acknowledged, as a provider does when it misses the 2xx.
	DuplicateRate float64
	// DropRate is the share of attempts (0..1) that the sender loses before
	// they reach the receiver (counted as failed attempts and retried).
	DropRate float64
	// Seed makes the draws of DuplicateRate and DropRate repeatable.
	Seed uint64
	// Workers is the number of deliveries in flight at once (default 4).
	Workers int
	// Client sends the deliveries (default a client with Timeout).
	Client *http.Client
}

// WebhookStats counts what a sender did.
type WebhookStats struct {
	// Queued counts the deliveries given to Send.
	Queued int
	// Delivered counts those acknowledged with a 2xx; Failed those given
	// up after MaxAttempts (or at Close).
	Delivered, Failed int
	// Attempts counts every request sent (duplicates included), Retries
	// the attempts after a first one, Dropped the attempts the sender lost
	// on purpose, Duplicates the deliberate second copies.
	Attempts, Retries, Dropped, Duplicates int
}

// Webhooks sends a fake's webhooks. The zero of *Webhooks (nil) is a sender
// that sends nothing, so fakes call Send without checking.
type Webhooks struct {
	cfg    WebhookConfig
	sign   Signer
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []webhookDelivery
	pending int // queued or in flight
	closed  bool
	rng     *rand.Rand
	stats   WebhookStats
	lastErr error
}

type webhookDelivery struct {
	id   string
	body []byte
}

// NewWebhooks starts a sender for cfg that signs with sign; Close stops it.
// It returns nil (a sender that sends nothing) when cfg.URL is empty.
func NewWebhooks(cfg WebhookConfig, sign Signer) *Webhooks {
	if cfg.URL == "" {
		return nil
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 10 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	w := &Webhooks{cfg: cfg, sign: sign, client: client, rng: rand.New(rand.NewPCG(cfg.Seed, 0x686f_6f6b))}
	w.cond = sync.NewCond(&w.mu)
	w.ctx, w.cancel = context.WithCancel(context.Background())
	for range cfg.Workers {
		w.wg.Add(1)
		go w.work()
	}
	return w
}

// Send queues a delivery of body under id (the same id for every attempt:
// Meteroid's webhook-id; the others derive theirs from the body). It never
// blocks, so fakes call it with their store locked; deliveries leave in
// the order queued, and arrive in about that order (several are in flight
// at once, and retries come later).
func (w *Webhooks) Send(id string, body []byte) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.queue = append(w.queue, webhookDelivery{id: id, body: append([]byte(nil), body...)})
	w.pending++
	w.stats.Queued++
	w.cond.Signal()
}

// Flush waits until every delivery queued so far was acknowledged or given
// up, or ctx ends.
func (w *Webhooks) Flush(ctx context.Context) error {
	if w == nil {
		return nil
	}
	for {
		w.mu.Lock()
		n := w.pending
		w.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fake webhooks: %d deliveries pending: %w", n, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Stats returns what the sender did so far.
func (w *Webhooks) Stats() WebhookStats {
	if w == nil {
		return WebhookStats{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Err returns the error of the last failed attempt, if any (never holding
// the secret).
func (w *Webhooks) Err() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}

// Close stops the sender: deliveries not acknowledged yet are given up
// (Flush first to wait for them).
func (w *Webhooks) Close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.stats.Failed += len(w.queue)
	w.pending -= len(w.queue)
	w.queue = nil
	w.cond.Broadcast()
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
}

func (w *Webhooks) work() {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closed {
			w.cond.Wait()
		}
		if w.closed {
			w.mu.Unlock()
			return
		}
		d := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()

		ok := w.deliver(d)
		w.mu.Lock()
		if ok {
			w.stats.Delivered++
		} else {
			w.stats.Failed++
		}
		w.pending--
		w.mu.Unlock()
	}
}

// deliver sends d until a 2xx or MaxAttempts, then perhaps a duplicate.
func (w *Webhooks) deliver(d webhookDelivery) bool {
	wait := w.cfg.Backoff
	for attempt := range w.cfg.MaxAttempts {
		if attempt > 0 {
			select {
			case <-w.ctx.Done():
				return false
			case <-time.After(wait):
			}
			wait = min(2*wait, w.cfg.MaxBackoff)
		}
		w.mu.Lock()
		w.stats.Attempts++
		if attempt > 0 {
			w.stats.Retries++
		}
		drop := w.cfg.DropRate > 0 && w.rng.Float64() < w.cfg.DropRate
		if drop {
			w.stats.Dropped++
		}
		w.mu.Unlock()
		if drop {
			continue
		}
		if err := w.post(d); err != nil {
			w.mu.Lock()
			w.lastErr = err
			w.mu.Unlock()
			if w.ctx.Err() != nil {
				return false
			}
			continue
		}
		w.mu.Lock()
		dup := w.cfg.DuplicateRate > 0 && w.rng.Float64() < w.cfg.DuplicateRate
		if dup {
			w.stats.Duplicates++
			w.stats.Attempts++
		}
		w.mu.Unlock()
		if dup {
			_ = w.post(d) // its answer does not matter: the delivery was acknowledged
		}
		return true
	}
	return false
}

// errStatus is an attempt answered with a non-2xx status.
var errStatus = errors.New("fake webhooks: receiver answered")

// post sends one attempt of d, signed now.
func (w *Webhooks) post(d webhookDelivery) error {
	h, body, err := w.sign(w.cfg.Secret, d.id, time.Now(), d.body)
	if err != nil {
		return fmt.Errorf("fake webhooks: signing %s: %w", d.id, err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("fake webhooks: %w", err)
	}
	req.Header = h
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("fake webhooks: delivery %s: %w", d.id, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w %d to delivery %s", errStatus, resp.StatusCode, d.id)
	}
	return nil
}
