package main

import (
	"flag"
	"fmt"
	"math"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// pushFlags are the flags of "billbridge push".
type pushFlags struct {
	baseURL     string
	site        string
	fake        bool
	batchSize   int
	concurrency int
	maxRetries  int
	rateLimit   float64
	allowHTTP   bool
	results     string
	json        bool
	dryRun      bool
	resume      bool
	force       bool

	allowUnknownFields bool
	timeout            time.Duration
	attemptTimeout     time.Duration

	// verb is "push" or "sync"; mode, key and plan are how keyed creates
	// treat an entity found by the item's natural key.
	verb string
	mode string
	key  string
	plan bool
	// backfill sends Meteroid events with allow_backfilling.
	backfill bool

	// set holds the names of the flags given on the command line, so that
	// an explicit 0 differs from a flag left out.
	set map[string]bool
}

func (f *pushFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: $<PROVIDER>_BASE_URL, else the provider's documented URL)")
	fs.StringVar(&f.site, "site", "", "ChargeOver site name (https://NAME.chargeover.com)")
	fs.BoolVar(&f.fake, "fake", false, "start an embedded fake of the provider and push to it")
	fs.BoolVar(&f.backfill, "backfill", false, "meteroid events: allow timestamps more than 24 hours old (allow_backfilling)")
	fs.IntVar(&f.batchSize, "batch-size", 0, fmt.Sprintf("items per request where the provider batches, at most %d for tight, %d for chargeover (default: the provider's)", tight.MaxBatchSize, chargeover.MaxBatchSize))
	fs.IntVar(&f.concurrency, "concurrency", 0, fmt.Sprintf("requests in flight, at most %d (default: the provider's)", option.MaxConcurrency))
	fs.IntVar(&f.maxRetries, "max-retries", -1, "retries after the first attempt (-1: default)")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second; 0 = provider default; -1 = none")
	fs.BoolVar(&f.allowHTTP, "allow-http", false, "allow a plain http base URL off loopback")
	fs.StringVar(&f.results, "results", "", "write one JSON line per input line to FILE")
	fs.BoolVar(&f.json, "json", false, "print the final summary as one JSON object on stdout")
	fs.BoolVar(&f.dryRun, "dry-run", false, "validate only, send nothing")
	fs.BoolVar(&f.resume, "resume", false, "continue the push recorded in the --results file: skip lines with a final result, settle those in doubt, send the rest")
	fs.BoolVar(&f.force, "force", false, "replace an existing --results file (and its record of lines in flight)")
	fs.BoolVar(&f.allowUnknownFields, "allow-unknown-fields", false, "drop input fields the provider's schema does not know instead of refusing the line")
	fs.DurationVar(&f.timeout, "timeout", 0, "deadline of the whole push, e.g. 10m; items not sent by then end as not sent (0: none)")
	fs.DurationVar(&f.attemptTimeout, "attempt-timeout", 0, "bound of each HTTP attempt, reading its answer included (0: the client's default, 60s)")
	fs.StringVar(&f.mode, "mode", "", "what a keyed create does when an entity holds the item's natural key with other data: create (a conflict) or upsert (an update) (default: create for push, upsert for sync)")
	fs.BoolVar(&f.plan, "plan", false, "print what would be created, updated, left unchanged or refused (one JSON line per input line, then a summary) and send nothing but lookups")
	if f.verb == "sync" {
		fs.StringVar(&f.key, "key", "", "the natural key: for tight a field path of the line (email, customData.crm_id; required); chargeover external_key, meteroid alias (the defaults)")
	}
}

// keyedMode is the mode of the keyed creates the flags ask for.
func (f *pushFlags) keyedMode() billbridge.Mode {
	switch {
	case f.plan:
		return billbridge.ModePlan
	case f.mode == "upsert", f.mode == "" && f.verb == "sync":
		return billbridge.ModeUpsert
	}
	return billbridge.ModeCreate
}

// check validates the flags' values before any input is read, naming the
// flag and its bounds: an out-of-range value is a usage error, never a crash
// or a silent default.
func (f *pushFlags) check(provider, resource string) error {
	if f.set["batch-size"] {
		limit, def := 0, 0
		switch provider {
		case "tight":
			limit, def = tight.MaxBatchSize, tight.DefaultBatchSize
		case "chargeover":
			limit, def = chargeover.MaxBatchSize, chargeover.MaxBatchSize
		case "meteroid":
			if resource == "events" {
				return usagef("--batch-size: meteroid events go %d to a request (Meteroid's maximum), fewer when a request would pass %d bytes; leave the flag out", meteroid.MaxEventsPerRequest, meteroid.MaxIngestBytes)
			}
			return usagef("--batch-size: meteroid has no batch call for %s (one request per item); leave the flag out", resource)
		}
		if limit > 0 && (f.batchSize < 1 || f.batchSize > limit) {
			return usagef("--batch-size %d: must be between 1 and %d for %s (leave it out for the default, %d)", f.batchSize, limit, provider, def)
		}
	}
	if f.set["concurrency"] && (f.concurrency < 1 || f.concurrency > option.MaxConcurrency) {
		return usagef("--concurrency %d: must be between 1 and %d (leave it out for the provider's default)", f.concurrency, option.MaxConcurrency)
	}
	if f.maxRetries < -1 {
		return usagef("--max-retries %d: must be 0 or more (-1: the default)", f.maxRetries)
	}
	if math.IsNaN(f.rateLimit) || math.IsInf(f.rateLimit, 0) || (f.rateLimit < 0 && f.rateLimit != -1) {
		return usagef("--rate-limit %v: must be a number of requests per second, 0 (the default) or -1 (none)", f.rateLimit)
	}
	if f.timeout < 0 {
		return usagef("--timeout %v: must not be negative (0: none)", f.timeout)
	}
	if f.attemptTimeout < 0 {
		return usagef("--attempt-timeout %v: must not be negative (0: the default)", f.attemptTimeout)
	}
	switch f.mode {
	case "", "create", "upsert":
	default:
		return usagef("--mode %s: want create or upsert (or --plan to send nothing)", f.mode)
	}
	if f.plan && (f.results != "" || f.resume || f.dryRun) {
		return usagef("--plan writes nothing and keeps no journal: leave out --results, --resume and --dry-run")
	}
	if f.resume && f.force {
		return usagef("give --resume (continue the results file) or --force (replace it), not both")
	}
	if (f.resume || f.force) && f.results == "" {
		return usagef("--resume and --force name what to do with the --results file: give --results FILE")
	}
	return nil
}

// options turns the flags into facade options (credentials aside: they come
// from the environment, read by the facade, or from --fake).
func (f *pushFlags) options() []option.Option {
	var opts []option.Option
	if f.baseURL != "" {
		opts = append(opts, option.WithBaseURL(f.baseURL))
	}
	if f.allowHTTP {
		opts = append(opts, option.WithAllowHTTP())
	}
	if f.batchSize > 0 {
		opts = append(opts, option.WithBatchSize(f.batchSize))
	}
	if f.concurrency > 0 {
		opts = append(opts, option.WithConcurrency(f.concurrency))
	}
	if f.maxRetries >= 0 {
		opts = append(opts, option.WithMaxRetries(f.maxRetries))
	}
	if f.attemptTimeout > 0 {
		opts = append(opts, option.WithAttemptTimeout(f.attemptTimeout))
	}
	switch {
	case f.rateLimit < 0:
		opts = append(opts, option.WithRateLimit(0, 0))
	case f.rateLimit > 0:
		opts = append(opts, option.WithRateLimit(f.rateLimit, max(1, int(f.rateLimit))))
	}
	return opts
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("tight customers --fake file" and "--fake tight customers file").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// window is the number of lines between two fsyncs of the journal and of
// the record of lines in flight: one chunk of the provider.
func (f *pushFlags) window(provider string) int {
	switch {
	case f.batchSize > 0:
		return f.batchSize
	case provider == "tight":
		return tight.DefaultBatchSize
	case provider == "chargeover":
		return chargeover.MaxBatchSize
	default:
		return 50
	}
}
