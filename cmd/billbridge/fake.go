package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// fakeFlags are the flags of "billbridge fake".
type fakeFlags struct {
	addr       string
	latency    time.Duration
	jitter     time.Duration
	errorRate  float64
	rateLimit  float64
	retryAfter int
	seed       uint64
}

// faults maps the flags onto a fault.Config: --error-rate is spread evenly
// over 500, 502, 503 and 504; --rate-limit is a per-credential token bucket
// of R requests per second; --retry-after is sent with its 429 answers.
func (f *fakeFlags) faults() fault.Config {
	c := fault.Config{Seed: f.seed, Latency: f.latency, Jitter: f.jitter}
	if f.errorRate > 0 {
		share := f.errorRate / 4
		c.Rates = map[fault.Kind]float64{fault.Status500: share, fault.Status502: share, fault.Status503: share, fault.Status504: share}
	}
	if f.rateLimit > 0 {
		c.RateLimit = &fault.Limit{Requests: max(1, int(f.rateLimit)), Per: time.Second}
	}
	c.RetryAfter = time.Duration(f.retryAfter) * time.Second
	return c
}

// fake runs "billbridge fake <provider>" until ctx ends.
func fake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f fakeFlags
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen address")
	fs.DurationVar(&f.latency, "latency", 0, "fixed latency added to every response")
	fs.DurationVar(&f.jitter, "jitter", 0, "random extra latency, uniform in [0, D)")
	fs.Float64Var(&f.errorRate, "error-rate", 0, "share of requests answered 500/502/503/504 (0..1)")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second per credential before 429 (0: unlimited)")
	fs.IntVar(&f.retryAfter, "retry-after", 0, "Retry-After seconds sent with 429 answers (0: none)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the fault draws")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: billbridge fake <tight|chargeover|meteroid> [flags]")
		fmt.Fprintln(stderr, "serves a fake of the provider until interrupted; prints its URL and credentials as VAR=value lines")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("%v", err)
	}
	if len(pos) != 1 {
		return usagef("fake wants one provider: tight, chargeover or meteroid")
	}
	if f.errorRate < 0 || f.errorRate > 1 {
		return usagef("--error-rate %v: want a share between 0 and 1", f.errorRate)
	}
	faults := f.faults()
	var url string
	var creds []string
	var stop func()
	switch pos[0] {
	case "tight":
		srv, err := tighttest.Start(tighttest.WithConfig(tighttest.Config{Addr: f.addr, Faults: faults}))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		creds = []string{tight.EnvBaseURL + "=" + srv.URL, "TIGHT_CLIENT_ID=" + srv.ClientID, "TIGHT_CLIENT_SECRET=" + srv.ClientSecret, "TIGHT_TOKEN=" + srv.Token}
	case "chargeover":
		srv, err := chargeovertest.Start(chargeovertest.WithConfig(chargeovertest.Config{Addr: f.addr, Faults: faults}))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		creds = []string{chargeover.EnvBaseURL + "=" + srv.URL, "CHARGEOVER_USERNAME=" + srv.Username, "CHARGEOVER_PASSWORD=" + srv.Password}
	case "meteroid":
		srv, err := meteroidtest.Start(meteroidtest.WithConfig(meteroidtest.Config{Addr: f.addr, Faults: faults}), meteroidtest.WithGeneratedCustomers(10))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		creds = []string{meteroid.EnvBaseURL + "=" + srv.URL, "METEROID_API_KEY=" + srv.APIKey}
	default:
		return usagef("unknown provider %q: tight, chargeover or meteroid", pos[0])
	}
	defer stop()
	fmt.Fprintf(stdout, "listening on %s\n", url)
	for _, c := range creds {
		fmt.Fprintln(stdout, c)
	}
	if faults.Latency > 0 || len(faults.Rates) > 0 || faults.RateLimit != nil {
		fmt.Fprintf(stderr, "faults: %s\n", faults)
	}
	<-ctx.Done()
	return nil
}
