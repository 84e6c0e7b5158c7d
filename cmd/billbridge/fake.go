package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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
	addr        string
	latency     time.Duration
	fromArrival bool
	jitter      time.Duration
	errorRate   float64
	afterActing float64
	rates       faultRates
	rateLimit   float64
	retryAfter  int
	seed        uint64
	webhooks    webhookFlags
}

// faultRates is the repeatable flag --fault KIND=RATE; its kinds are those of
// fault.Kinds, by their names.
type faultRates map[fault.Kind]float64

func (r faultRates) String() string {
	var parts []string
	for _, k := range fault.Kinds() {
		if p, ok := r[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%g", k, p))
		}
	}
	return strings.Join(parts, ",")
}

func (r faultRates) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want KIND=RATE, such as drop-after=0.05; kinds: %s", kindNames())
	}
	k := fault.Kind(name)
	if !slices.Contains(fault.Kinds(), k) {
		if k == fault.RateLimited {
			return fmt.Errorf("%s is not drawn at a rate: use --rate-limit R; kinds: %s", k, kindNames())
		}
		return fmt.Errorf("unknown fault kind %q; kinds: %s", name, kindNames())
	}
	p, err := strconv.ParseFloat(val, 64)
	if err != nil || !validShare(p) {
		return fmt.Errorf("rate %q of %s: want a share between 0 and 1", val, k)
	}
	if _, dup := r[k]; dup {
		return fmt.Errorf("%s given twice", k)
	}
	r[k] = p
	return nil
}

// kindNames lists the names --fault accepts, in the order of the draws.
func kindNames() string { return kindList(fault.Kinds()) }

func kindList(kinds []fault.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// afterActingKinds are the kinds --after-acting-rate spreads over: the
// handler acts, then its answer is lost (fault.Kind.AfterActing).
func afterActingKinds() []fault.Kind {
	var out []fault.Kind
	for _, k := range fault.Kinds() {
		if k.AfterActing() {
			out = append(out, k)
		}
	}
	return out
}

// validShare reports whether p is a probability (NaN is not).
func validShare(p float64) bool { return p >= 0 && p <= 1 }

// faults maps the flags onto a fault.Config: --error-rate is spread evenly
// over 500, 502, 503 and 504, --after-acting-rate over the after-acting kinds
// (drop-after, truncated-json, 500-after), and each --fault KIND=RATE adds
// its rate to KIND; the rates of all kinds may add up to 1 at most.
// --rate-limit is a per-credential token bucket of R requests per second;
// --retry-after is sent with its 429 answers (and with 429-retry-after).
func (f *fakeFlags) faults() (fault.Config, error) {
	c := fault.Config{Seed: f.seed, Latency: f.latency, Jitter: f.jitter, FromArrival: f.fromArrival}
	if !validShare(f.errorRate) {
		return c, usagef("--error-rate %v: want a share between 0 and 1", f.errorRate)
	}
	if !validShare(f.afterActing) {
		return c, usagef("--after-acting-rate %v: want a share between 0 and 1", f.afterActing)
	}
	rates := map[fault.Kind]float64{}
	spread := func(total float64, kinds ...fault.Kind) {
		if total > 0 {
			for _, k := range kinds {
				rates[k] += total / float64(len(kinds))
			}
		}
	}
	spread(f.errorRate, fault.Status500, fault.Status502, fault.Status503, fault.Status504)
	spread(f.afterActing, afterActingKinds()...)
	for k, p := range f.rates {
		if p > 0 {
			rates[k] += p
		}
	}
	sum := 0.0
	for _, p := range rates {
		sum += p
	}
	// A little slack for the thirds of --after-acting-rate 1.
	if sum > 1+1e-9 {
		return c, usagef("the fault rates add up to %.4g (--error-rate, --after-acting-rate and --fault together): want at most 1", sum)
	}
	if len(rates) > 0 {
		c.Rates = rates
	}
	if f.rateLimit > 0 {
		c.RateLimit = &fault.Limit{Requests: max(1, int(f.rateLimit)), Per: time.Second}
	}
	c.RetryAfter = time.Duration(f.retryAfter) * time.Second
	return c, nil
}

// fakeStartedKey is the context key of a func(any) that fake calls with the
// server it started (*tighttest.Server, *chargeovertest.Server or
// *meteroidtest.Server): tests use it to look at the fake's state.
type fakeStartedKey struct{}

// fake runs "billbridge fake <provider>" until ctx ends.
func fake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f fakeFlags
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen address")
	fs.DurationVar(&f.latency, "latency", 0, "fixed latency added to every response")
	fs.BoolVar(&f.fromArrival, "latency-from-arrival", false, "make --latency a response time: handle each request at once and answer it --latency after it arrived, the fake's own work included (for comparing a client with the latency bound)")
	fs.DurationVar(&f.jitter, "jitter", 0, "random extra latency, uniform in [0, D)")
	fs.Float64Var(&f.errorRate, "error-rate", 0, "share of requests answered 500/502/503/504 before acting (0..1)")
	fs.Float64Var(&f.afterActing, "after-acting-rate", 0, "share of requests whose answer is lost after the fake acted, spread over "+kindList(afterActingKinds())+" (0..1)")
	f.rates = faultRates{}
	fs.Var(f.rates, "fault", "`KIND=RATE`: share of requests (0..1) that get fault KIND; repeatable, all rates together at most 1; kinds: "+kindNames())
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second per credential before 429 (0: unlimited)")
	fs.IntVar(&f.retryAfter, "retry-after", 0, "Retry-After seconds sent with 429 answers (0: none; 429-retry-after sends 1)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the fault draws")
	f.webhooks.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: billbridge fake <tight|chargeover|meteroid> [flags] [--webhook-url U --webhook-secret S]")
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
	faults, err := f.faults()
	if err != nil {
		return err
	}
	hooks, err := f.webhooks.config(pos[0])
	if err != nil {
		return err
	}
	started, _ := ctx.Value(fakeStartedKey{}).(func(any))
	if started == nil {
		started = func(any) {}
	}
	var url string
	var creds []string
	var stop func()
	switch pos[0] {
	case "tight":
		srv, err := tighttest.Start(tighttest.WithConfig(tighttest.Config{Addr: f.addr, Faults: faults, Webhooks: hooks}))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		started(srv)
		creds = []string{tight.EnvBaseURL + "=" + srv.URL, "TIGHT_CLIENT_ID=" + srv.ClientID, "TIGHT_CLIENT_SECRET=" + srv.ClientSecret, "TIGHT_TOKEN=" + srv.Token}
	case "chargeover":
		srv, err := chargeovertest.Start(chargeovertest.WithConfig(chargeovertest.Config{Addr: f.addr, Faults: faults, Webhooks: hooks}))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		started(srv)
		creds = []string{chargeover.EnvBaseURL + "=" + srv.URL, "CHARGEOVER_USERNAME=" + srv.Username, "CHARGEOVER_PASSWORD=" + srv.Password}
	case "meteroid":
		srv, err := meteroidtest.Start(meteroidtest.WithConfig(meteroidtest.Config{Addr: f.addr, Faults: faults, Webhooks: hooks}), meteroidtest.WithGeneratedCustomers(10))
		if err != nil {
			return err
		}
		url, stop = srv.URL, srv.Close
		started(srv)
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
