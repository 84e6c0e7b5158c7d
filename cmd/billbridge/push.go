package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
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

	allowUnknownFields bool
	timeout            time.Duration
	attemptTimeout     time.Duration

	// set holds the names of the flags given on the command line, so that
	// an explicit 0 differs from a flag left out.
	set map[string]bool
}

func (f *pushFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: the provider's documented URL)")
	fs.StringVar(&f.site, "site", "", "ChargeOver site name (https://NAME.chargeover.com)")
	fs.BoolVar(&f.fake, "fake", false, "start an embedded fake of the provider and push to it")
	fs.IntVar(&f.batchSize, "batch-size", 0, fmt.Sprintf("items per request where the provider batches, at most %d for tight, %d for chargeover (default: the provider's)", tight.MaxBatchSize, chargeover.MaxBatchSize))
	fs.IntVar(&f.concurrency, "concurrency", 0, fmt.Sprintf("requests in flight, at most %d (default: the provider's)", option.MaxConcurrency))
	fs.IntVar(&f.maxRetries, "max-retries", -1, "retries after the first attempt (-1: default)")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second; 0 = provider default; -1 = none")
	fs.BoolVar(&f.allowHTTP, "allow-http", false, "allow a plain http base URL off loopback")
	fs.StringVar(&f.results, "results", "", "write one JSON line per input line to FILE")
	fs.BoolVar(&f.json, "json", false, "print the final summary as one JSON object on stdout")
	fs.BoolVar(&f.dryRun, "dry-run", false, "validate only, send nothing")
	fs.BoolVar(&f.allowUnknownFields, "allow-unknown-fields", false, "drop input fields the provider's schema does not know instead of refusing the line")
	fs.DurationVar(&f.timeout, "timeout", 0, "deadline of the whole push, e.g. 10m; items not sent by then end as not sent (0: none)")
	fs.DurationVar(&f.attemptTimeout, "attempt-timeout", 0, "bound of each HTTP attempt, reading its answer included (0: the client's default, 60s)")
}

// check validates the flags' values before any input is read, naming the
// flag and its bounds: an out-of-range value is a usage error, never a crash
// or a silent default.
func (f *pushFlags) check(provider string) error {
	if f.set["batch-size"] {
		limit, def := 0, 0
		switch provider {
		case "tight":
			limit, def = tight.MaxBatchSize, tight.DefaultBatchSize
		case "chargeover":
			limit, def = chargeover.MaxBatchSize, chargeover.MaxBatchSize
		case "meteroid":
			return usagef("--batch-size: meteroid has no batch call (one PATCH per item); leave the flag out")
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

// outcome is one item's result, whatever the provider.
type outcome struct {
	OK       bool
	ID       string
	Existing bool
	Status   int
	Attempts int
	Err      error
}

// pushJob is one provider/resource pair, ready to validate and send.
type pushJob interface {
	// add decodes and validates one input line; the error names the field.
	add(line int, raw []byte) error
	// send pushes the items added so far and yields their outcomes in order.
	send(ctx context.Context, opts []option.Option) (iter.Seq[outcome], func() (int64, int64), error)
	// fake starts an embedded fake and returns the options that point at it.
	fake() ([]option.Option, func(), error)
	len() int
}

// typedJob holds the items of one pair and the function that sends them.
type typedJob[In, Out any] struct {
	// shape is the Go type of a line as written (In unless the line carries
	// more than the item, as Meteroid's id_or_alias), checked for unknown and
	// duplicate fields.
	shape     reflect.Type
	fields    fieldChecker
	decode    func(raw []byte) (In, error)
	validate  func(item In) error
	items     []In
	client    func(ctx context.Context, opts []option.Option, items []In) (iter.Seq[billbridge.Result[Out]], func() (int64, int64), error)
	startFake func(items []In) ([]option.Option, func(), error)
}

func (j *typedJob[In, Out]) len() int { return len(j.items) }

func (j *typedJob[In, Out]) add(line int, raw []byte) error {
	if err := checkText(raw); err != nil {
		return fmt.Errorf("line %d: %v", line, err)
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return fmt.Errorf("line %d: not valid JSON: %v", line, err)
	}
	if raw[0] != '{' {
		return fmt.Errorf("line %d: want a JSON object", line)
	}
	shape := j.shape
	if shape == nil {
		shape = reflect.TypeFor[In]()
	}
	keys, err := j.fields.check(raw, shape)
	if err != nil {
		return fmt.Errorf("line %d: %v", line, err)
	}
	if keys == 0 {
		return fmt.Errorf("line %d: empty object: nothing to send", line)
	}
	item, err := j.decode(raw)
	if err != nil {
		return fmt.Errorf("line %d: %w", line, err)
	}
	if err := j.validate(item); err != nil {
		var ve *billbridge.ValidationError
		if errors.As(err, &ve) {
			if ve.Field == "" {
				return fmt.Errorf("line %d: %s", line, ve.Reason)
			}
			return fmt.Errorf("line %d: field %s: %s", line, ve.Field, ve.Reason)
		}
		return fmt.Errorf("line %d: %w", line, err)
	}
	// Only nulls (or, with --allow-unknown-fields, only unknown fields):
	// the provider would get an empty object.
	if reflect.ValueOf(item).IsZero() {
		return fmt.Errorf("line %d: no field has a value: nothing to send", line)
	}
	j.items = append(j.items, item)
	return nil
}

func (j *typedJob[In, Out]) send(ctx context.Context, opts []option.Option) (iter.Seq[outcome], func() (int64, int64), error) {
	results, counts, err := j.client(ctx, opts, j.items)
	if err != nil {
		return nil, nil, err
	}
	return func(yield func(outcome) bool) {
		for r := range results {
			if !yield(outcome{OK: r.Err == nil, ID: r.ID, Existing: r.Existing, Status: r.Status, Attempts: r.Attempts, Err: r.Err}) {
				return
			}
		}
	}, counts, nil
}

func (j *typedJob[In, Out]) fake() ([]option.Option, func(), error) { return j.startFake(j.items) }

// strictDecode decodes raw into a value of type T, refusing type mismatches
// with the field's name.
func strictDecode[T any](raw []byte) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return v, fmt.Errorf("field %s: want %s, got JSON %s", strings.ReplaceAll(te.Field, ".", "/"), te.Type, te.Value)
		}
		return v, err
	}
	return v, nil
}

// resultLine is one line of the --results file.
type resultLine struct {
	Line     int          `json:"line"`
	OK       bool         `json:"ok"`
	ID       string       `json:"id"`
	Existing bool         `json:"existing"`
	Status   int          `json:"status"`
	Attempts int          `json:"attempts"`
	Error    *resultError `json:"error,omitempty"`
}

type resultError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Param   string `json:"param"`
}

// describe turns an item's error into the results file's error object.
func describe(err error) *resultError {
	var ae *billbridge.APIError
	var ve *billbridge.ValidationError
	switch {
	case errors.As(err, &ve):
		return &resultError{Type: "validation_error", Message: ve.Reason, Param: ve.Field}
	case errors.Is(err, billbridge.ErrOutcomeUnknown):
		return &resultError{Type: "outcome_unknown", Message: err.Error()}
	case errors.Is(err, billbridge.ErrNotSent):
		return &resultError{Type: "not_sent", Message: err.Error()}
	case errors.Is(err, billbridge.ErrConflict) && errors.As(err, &ae):
		return &resultError{Type: "conflict", Message: ae.Message, Param: ae.Param}
	case errors.As(err, &ae):
		t := ae.Code
		if t == "" {
			t = "api_error"
		}
		return &resultError{Type: t, Message: ae.Message, Param: ae.Param}
	default:
		return &resultError{Type: "error", Message: err.Error()}
	}
}

// summary is the --json output.
type summary struct {
	Total     int   `json:"total"`
	Succeeded int   `json:"succeeded"`
	Failed    int   `json:"failed"`
	Requests  int64 `json:"requests"`
	Retries   int64 `json:"retries"`
	ElapsedMS int64 `json:"elapsed_ms"`
}

// push runs "billbridge push"; failed reports whether some item failed.
func push(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	var f pushFlags
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: billbridge push <provider> <resource> [flags] <file|->")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, nil
		}
		return false, usagef("%v", err)
	}
	if len(pos) != 3 {
		return false, usagef("push wants <provider> <resource> <file|->, got %q", pos)
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if err := f.check(pos[0]); err != nil {
		return false, err
	}
	job, err := newJob(pos[0], pos[1], &f)
	if err != nil {
		return false, err
	}
	// The deadline covers the whole push, reading and the fake's start
	// included; the facades end the items not sent by then as not sent.
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	in, closeIn, err := openInput(pos[2], stdin)
	if err != nil {
		return false, err
	}
	defer closeIn()

	lines, total, bad, err := readLines(in, job, stderr)
	if err != nil {
		return false, err
	}
	if bad > 0 {
		return false, usagef("%d of %d lines are malformed; nothing was sent", bad, total)
	}
	if f.dryRun {
		fmt.Fprintf(stderr, "dry run: %d lines valid, nothing sent\n", len(lines))
		return false, nil
	}

	opts := f.options()
	if f.fake {
		fakeOpts, stop, err := job.fake()
		if err != nil {
			return false, err
		}
		defer stop()
		opts = append(opts, fakeOpts...)
	}
	// Without --fake, the facade reads its credentials from the environment
	// (TIGHT_TOKEN, ...) and New fails naming the variables that are missing.
	bar := newProgressBar(stderr, len(lines))
	if bar != nil {
		opts = append(opts, option.WithProgress(bar.update))
	}
	start := time.Now()
	outcomes, counts, err := job.send(ctx, opts)
	if err != nil {
		return false, usagef("%v", err)
	}

	var results *json.Encoder
	if f.results != "" {
		file, err := os.Create(f.results)
		if err != nil {
			return false, usagef("--results: %v", err)
		}
		defer file.Close()
		w := bufio.NewWriter(file)
		defer w.Flush()
		results = json.NewEncoder(w)
	}

	sum := summary{Total: len(lines)}
	notSent := 0
	record := func(line int, o outcome) error {
		if o.OK {
			sum.Succeeded++
		} else {
			sum.Failed++
			if errors.Is(o.Err, billbridge.ErrNotSent) {
				notSent++
			}
			if results == nil {
				fmt.Fprintf(stderr, "line %d: %v\n", line, o.Err)
			}
		}
		if results != nil {
			rl := resultLine{Line: line, OK: o.OK, ID: o.ID, Existing: o.Existing, Status: o.Status, Attempts: o.Attempts}
			if !o.OK {
				rl.Error = describe(o.Err)
			}
			if err := results.Encode(rl); err != nil {
				return fmt.Errorf("--results: %w", err)
			}
		}
		return nil
	}
	i := 0
	for o := range outcomes {
		if i == len(lines) {
			return false, fmt.Errorf("the client returned more results than the %d items sent", len(lines))
		}
		if err := record(lines[i], o); err != nil {
			return false, err
		}
		i++
	}
	// A cancelled stream stops pulling items: those it never took were not
	// sent, and every input line still gets its result.
	for ; i < len(lines); i++ {
		err := fmt.Errorf("%w (the client returned no result for this item)", billbridge.ErrOutcomeUnknown)
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, context.Cause(ctx))
		}
		if err := record(lines[i], outcome{Err: err}); err != nil {
			return false, err
		}
	}
	bar.finish()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(stderr, "billbridge: --timeout %v reached: %d items not sent (safe to send again)\n", f.timeout, notSent)
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "billbridge: interrupted: %d items not sent (safe to send again)\n", notSent)
	}
	sum.Requests, sum.Retries = counts()
	sum.ElapsedMS = time.Since(start).Milliseconds()
	if f.json {
		_ = json.NewEncoder(stdout).Encode(sum)
	} else {
		fmt.Fprintf(stdout, "%d items: %d succeeded, %d failed; %d requests, %d retries; %s\n",
			sum.Total, sum.Succeeded, sum.Failed, sum.Requests, sum.Retries, time.Duration(sum.ElapsedMS)*time.Millisecond)
	}
	return sum.Failed > 0, nil
}

func openInput(name string, stdin io.Reader) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, nil, usagef("input: %v", err)
	}
	return file, func() { file.Close() }, nil
}

// readLines validates every line, reporting each malformed one on stderr, and
// returns the line numbers of the items added to job (in order), the number
// of lines read and the count of malformed lines.
func readLines(in io.Reader, job pushJob, stderr io.Writer) (lines []int, total, bad int, err error) {
	lr := newLineReader(in)
	for {
		raw, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, total, bad, usagef("reading input at line %d: %v", total+1, err)
		}
		total++
		if tooLong {
			fmt.Fprintf(stderr, "line %d is longer than the %d MiB limit\n", total, maxLineBytes>>20)
			bad++
			continue
		}
		if total == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\uFEFF")) // a byte order mark
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			fmt.Fprintf(stderr, "line %d: empty line\n", total)
			bad++
			continue
		}
		if err := job.add(total, raw); err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		lines = append(lines, total)
	}
	return lines, total, bad, nil
}
