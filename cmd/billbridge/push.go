package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"
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

	// set holds the names of the flags given on the command line, so that
	// an explicit 0 differs from a flag left out.
	set map[string]bool
}

func (f *pushFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: $<PROVIDER>_BASE_URL, else the provider's documented URL)")
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

// outcome is one item's result, whatever the provider.
type outcome struct {
	OK       bool
	ID       string
	Existing bool
	Status   int
	Attempts int
	Err      error
	// Outcome and Changes are what a keyed create did (created, updated,
	// unchanged, conflict) and the fields that differed.
	Outcome billbridge.Outcome
	Changes []billbridge.Change
}

// isFinal reports whether an item's result settles it for good: a success,
// or a definite refusal (local validation, a natural-key conflict, a 4xx
// answer other than 408 and 429). Not sent, outcome unknown, 5xx and
// connection failures are not final: --resume tries those lines again.
func isFinal(o outcome) bool {
	if o.OK {
		return true
	}
	var ve *billbridge.ValidationError
	var ae *billbridge.APIError
	switch {
	case errors.Is(o.Err, billbridge.ErrNotSent), errors.Is(o.Err, billbridge.ErrOutcomeUnknown):
		return false
	case errors.As(o.Err, &ve), errors.Is(o.Err, billbridge.ErrConflict):
		return true
	case errors.As(o.Err, &ae):
		s := ae.StatusCode
		return s >= 400 && s < 500 && s != 408 && s != 429
	}
	return false
}

// resultLine is one line of the --results file.
type resultLine struct {
	Line     int    `json:"line"`
	OK       bool   `json:"ok"`
	ID       string `json:"id"`
	Existing bool   `json:"existing"`
	Status   int    `json:"status"`
	Attempts int    `json:"attempts"`
	Final    bool   `json:"final"`
	// Outcome is what a keyed create did: created, updated, unchanged or
	// conflict (empty for a line that is not one, or failed before).
	Outcome billbridge.Outcome  `json:"outcome,omitempty"`
	Changes []billbridge.Change `json:"changes,omitempty"`
	Error   *resultError        `json:"error,omitempty"`
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

// summary is the --json output. Succeeded and Failed (and Created,
// Updated, Unchanged, Conflicts among them) count every input line by its
// latest result, the lines skipped by --resume included. Requests counts
// the HTTP requests whose bytes reached the wire, retries included.
type summary struct {
	Total          int   `json:"total"`
	Succeeded      int   `json:"succeeded"`
	Failed         int   `json:"failed"`
	Created        int   `json:"created"`
	Updated        int   `json:"updated"`
	Unchanged      int   `json:"unchanged"`
	Conflicts      int   `json:"conflicts"`
	Skipped        int   `json:"skipped"`
	Settled        int   `json:"settled"`
	Sent           int   `json:"sent"`
	NotSent        int   `json:"not_sent"`
	OutcomeUnknown int   `json:"outcome_unknown"`
	Requests       int64 `json:"requests"`
	Retries        int64 `json:"retries"`
	ElapsedMS      int64 `json:"elapsed_ms"`
}

// pushRun is the state of one run of push: where the input is read from
// for the second pass, the journal, the record of lines in flight, and the
// counts of the summary.
type pushRun struct {
	input   string // the input file, or stdin's spool
	total   int
	journal *journal  // nil without --results
	mark    *inflight // nil without --results, or when it is not a regular file
	stderr  io.Writer
	sum     summary
	finals  int // lines with a final result, earlier runs included
	// keys is the handover of the current call, for the create-key option
	// the client was built with.
	keys atomic.Pointer[handover]
	// refused is the provider's refusal of the credentials, once a result
	// carries one: it is printed once, at the end, not once per line.
	refused error
	// plan, with --plan, receives one JSON line per input line.
	plan io.Writer
}

// count adds a line's outcome to the summary.
func (s *summary) count(o billbridge.Outcome) {
	switch o {
	case billbridge.Created:
		s.Created++
	case billbridge.Updated:
		s.Updated++
	case billbridge.Unchanged:
		s.Unchanged++
	case billbridge.Conflict:
		s.Conflicts++
	}
}

// planLine is one line of --plan's output.
type planLine struct {
	Line    int                 `json:"line"`
	Action  string              `json:"action"` // create, update, unchanged, conflict, error
	ID      string              `json:"id,omitempty"`
	Changes []billbridge.Change `json:"changes,omitempty"`
	Error   *resultError        `json:"error,omitempty"`
}

// writePlan prints what a line would do.
func (p *pushRun) writePlan(line int, o outcome) error {
	pl := planLine{Line: line, ID: o.ID, Changes: o.Changes}
	switch o.Outcome {
	case billbridge.Created:
		pl.Action = "create"
	case billbridge.Updated:
		pl.Action = "update"
	case billbridge.Unchanged:
		pl.Action = "unchanged"
	case billbridge.Conflict:
		pl.Action = "conflict"
	default:
		pl.Action = "error"
	}
	if o.Err != nil {
		pl.Error = describe(o.Err)
	}
	b, err := json.Marshal(pl)
	if err != nil {
		return err
	}
	_, err = p.plan.Write(append(b, '\n'))
	return err
}

// record counts and journals one line's result.
func (p *pushRun) record(line int, o outcome) error {
	if p.plan != nil {
		p.sum.count(o.Outcome)
		if o.OK {
			p.sum.Succeeded++
		} else {
			p.sum.Failed++
		}
		return p.writePlan(line, o)
	}
	final := isFinal(o)
	if final {
		p.sum.count(o.Outcome)
	}
	switch {
	case o.OK:
		p.sum.Succeeded++
	default:
		p.sum.Failed++
		switch {
		case errors.Is(o.Err, billbridge.ErrNotSent):
			p.sum.NotSent++
		case errors.Is(o.Err, billbridge.ErrOutcomeUnknown):
			p.sum.OutcomeUnknown++
		}
		switch {
		case errors.Is(o.Err, billbridge.ErrUnauthorized):
			// The client sent nothing more after the refusal: every
			// later line says the same. Keep the refusal itself (not a
			// not-sent line quoting it) for the end.
			if p.refused == nil || errors.Is(p.refused, billbridge.ErrNotSent) && !errors.Is(o.Err, billbridge.ErrNotSent) {
				p.refused = o.Err
			}
		case p.journal == nil:
			fmt.Fprintf(p.stderr, "line %d: %v\n", line, o.Err)
		}
	}
	if final {
		p.finals++
	}
	if p.journal == nil {
		return nil
	}
	rl := resultLine{Line: line, OK: o.OK, ID: o.ID, Existing: o.Existing, Status: o.Status, Attempts: o.Attempts, Final: final,
		Outcome: o.Outcome, Changes: o.Changes}
	if !o.OK {
		rl.Error = describe(o.Err)
	}
	return p.journal.write(rl)
}

// checkResultsPath refuses a --results file that is the input (also through
// a link), and an earlier run's non-empty file unless --resume or --force.
func checkResultsPath(f *pushFlags, input string) error {
	if f.results == "" {
		return nil
	}
	rs, err := os.Stat(f.results)
	exists := err == nil
	if input != "-" {
		if is, err := os.Stat(input); err == nil {
			for _, p := range []string{f.results, inflightPath(f.results)} {
				if ps, err := os.Stat(p); err == nil && os.SameFile(is, ps) {
					return usagef("--results %s is the input file %s: the results would overwrite it", p, input)
				}
			}
		}
	}
	if f.resume && (!exists || !rs.Mode().IsRegular()) {
		if !exists {
			return nil // nothing to continue: a fresh push
		}
		return usagef("--resume: %s is not a regular file, nothing to continue", f.results)
	}
	if f.resume || f.force || !exists || !rs.Mode().IsRegular() {
		return nil
	}
	if rs.Size() > 0 {
		return usagef("--results %s holds the results of an earlier push (%d bytes): give --resume to continue it, or --force to replace it", f.results, rs.Size())
	}
	if ms, err := os.Stat(inflightPath(f.results)); err == nil && ms.Size() > 0 {
		return usagef("--results: %s records lines an earlier push may have sent: give --resume to continue that push, or --force to start over", inflightPath(f.results))
	}
	return nil
}

// push runs "billbridge push"; failed reports whether some item failed.
func push(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	return pushOrSync(ctx, "push", args, stdin, stdout, stderr)
}

// syncCmd runs "billbridge sync": push's journal, resume and flags, with lines
// in the create shape written by natural key, upsert by default.
func syncCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	return pushOrSync(ctx, "sync", args, stdin, stdout, stderr)
}

func pushOrSync(ctx context.Context, verb string, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	f := pushFlags{verb: verb}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		if verb == "sync" {
			fmt.Fprintln(stderr, "usage: billbridge sync <provider> <resource> [--key FIELD] [--plan] [flags] <file|->")
		} else {
			fmt.Fprintln(stderr, "usage: billbridge push <provider> <resource> [flags] <file|->")
		}
		fmt.Fprintf(stderr, "pairs: %s\n", pairNames(verb))
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
		return false, usagef("%s wants <provider> <resource> <file|->, got %q", verb, pos)
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if err := f.check(pos[0]); err != nil {
		return false, err
	}
	prov, v, err := lookup(verb, pos[0], pos[1])
	if err != nil {
		return false, err
	}
	if f.baseURL, err = prov.hostFor(f.site, f.baseURL, f.fake); err != nil {
		return false, err
	}
	job, err := v.job(&f)
	if err != nil {
		return false, err
	}
	switch {
	case verb == "push" && pos[0] == "meteroid" && (f.mode != "" || f.plan):
		return false, usagef("push meteroid customers patches customers by id or alias: --mode and --plan are for keyed creates (billbridge sync meteroid customers)")
	default:
		job.addOptions(option.WithMode(f.keyedMode()))
	}
	if err := checkResultsPath(&f, pos[2]); err != nil {
		return false, err
	}
	// The deadline covers the whole push, reading and the fake's start
	// included; the facades end the items not sent by then as not sent.
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}

	// First pass: validate every line, keeping none. Stdin is spooled to a
	// temporary file for the second pass.
	p := &pushRun{input: pos[2], stderr: stderr}
	if f.plan {
		p.plan = stdout
	}
	var in io.Reader = stdin
	var spool, inFile *os.File
	if pos[2] == "-" {
		spool, err = os.CreateTemp("", "billbridge-push-*.jsonl")
		if err != nil {
			return false, usagef("spooling stdin: %v", err)
		}
		defer os.Remove(spool.Name())
		defer spool.Close()
		p.input = spool.Name()
	} else {
		file, err := os.Open(pos[2])
		if err != nil {
			return false, usagef("input: %v", err)
		}
		defer file.Close()
		in, inFile = file, file
	}
	var spoolW io.Writer
	if spool != nil {
		spoolW = spool
	}
	id, bad, err := validateInput(in, spoolW, p.input, job, stderr)
	total := id.Lines
	if inFile != nil {
		inFile.Close() // the second pass opens the input again
	}
	if err != nil {
		return false, err
	}
	if bad > 0 {
		return false, usagef("%d of %d lines are malformed; nothing was sent", bad, total)
	}
	if f.dryRun {
		fmt.Fprintf(stderr, "dry run: %d lines valid, nothing sent\n", total)
		return false, nil
	}
	p.total, p.sum.Total = total, total
	window := f.window(pos[0])

	// The journal, and on --resume what it says of each line.
	var calls []call
	if f.results != "" {
		calls, err = openResults(p, &f, job, id, window)
		if err != nil {
			return false, err
		}
		defer func() {
			if p.mark != nil {
				p.mark.close()
			}
		}()
	} else {
		calls = []call{{name: "send", selects: func(int) bool { return true }}}
	}

	opts := f.options()
	if f.fake {
		fakeOpts, stop, err := job.fake()
		if err != nil {
			return false, err
		}
		defer stop()
		opts = fakeFirst(fakeOpts, f)
	}
	// Without --fake, the facade reads its credentials from the environment
	// (TIGHT_TOKEN, ...) and New fails naming the variables that are missing.
	bar := newProgressBar(stderr, total-p.sum.Skipped)
	if bar != nil {
		opts = append(opts, option.WithProgress(bar.update))
	}
	start := time.Now()
	counts, runErr := job.run(ctx, p, opts, calls)
	bar.finish()
	if p.journal != nil {
		if err := p.journal.close(); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return false, runErr
	}
	// Every line final: the record of lines in flight has nothing left to
	// tell a resume.
	if p.mark != nil && p.finals == total {
		p.mark.close()
		p.mark = nil
		os.Remove(inflightPath(f.results))
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(stderr, "billbridge: --timeout %v reached: %d items not sent (safe to send again)\n", f.timeout, p.sum.NotSent)
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "billbridge: interrupted: %d items not sent (safe to send again)\n", p.sum.NotSent)
	}
	if f.results != "" && p.finals < total {
		fmt.Fprintf(stderr, "billbridge: %d lines have no final result: run the same command with --resume to settle and send them\n", total-p.finals)
	}
	sum := p.sum
	if counts != nil {
		sum.Requests, sum.Retries = counts()
	}
	sum.ElapsedMS = time.Since(start).Milliseconds()
	if f.json {
		_ = json.NewEncoder(stdout).Encode(sum)
	} else {
		fmt.Fprintf(stdout, "%d items: %d succeeded (%d created, %d updated, %d unchanged), %d failed (%d conflicts, %d not sent, %d outcome unknown); %d skipped (final in --results), %d settled, %d handed to the client; %d requests reached the wire, %d of them retries; %s\n",
			sum.Total, sum.Succeeded, sum.Created, sum.Updated, sum.Unchanged, sum.Failed, sum.Conflicts, sum.NotSent, sum.OutcomeUnknown,
			sum.Skipped, sum.Settled, sum.Sent, sum.Requests, sum.Retries, time.Duration(sum.ElapsedMS)*time.Millisecond)
	}
	if p.refused != nil {
		// A credential error: exit status 2, the refusal said once.
		return true, fmt.Errorf("%w (%d of %d lines not sent: fix the credentials and push again)", p.refused, p.sum.NotSent, total)
	}
	return sum.Failed > 0, nil
}

// openResults opens the journal (and the record of lines in flight) and
// plans the calls: on a fresh push one call sending every line; on
// --resume, the lines in doubt (handed over by an earlier run, no final
// result) are re-sent with a read-back first, or left in doubt when their
// item has no natural key to read back by, then the lines never handed
// over are sent. A resume of other input is refused before anything is
// changed: by the results file's first line, which identifies its input,
// and by the record of lines in flight.
func openResults(p *pushRun, f *pushFlags, job pushJob, id inputID, window int) ([]call, error) {
	rec := inflightRecord{Version: 1, Input: id.SHA256, Lines: p.total}
	var st *journalState
	if f.resume {
		if fi, err := os.Stat(f.results); err == nil && fi.Size() > 0 {
			var err error
			if st, err = readJournal(f.results, id); err != nil {
				return nil, err
			}
		}
		read := st != nil // the file has content, read above
		old, ok, err := readInflight(inflightPath(f.results))
		if err != nil {
			return nil, err
		}
		switch {
		case ok && (old.Input != id.SHA256 || old.Lines != p.total):
			return nil, usagef("--resume: %s records a push of other input (%d lines, sha256 %.12s…; this input: %d lines, %.12s…): give --force to start over", inflightPath(f.results), old.Lines, old.Input, p.total, id.SHA256)
		case st != nil && st.entries > 0 && !st.header && !ok:
			// Results written before the file named its input, and no
			// record to confirm the input either: they may be another
			// input's, whose line numbers would skip lines of this one.
			return nil, usagef("--resume: %s does not say which input its results are of (written by an older billbridge) and no %s confirms it: give --force to start over", f.results, inflightPath(f.results))
		case ok:
			rec.HandedOver = old.HandedOver
			if st == nil && old.HandedOver > 0 {
				st = &journalState{final: newBitset(p.total + 1)} // died before its first result
			}
		case st != nil:
			// Results but no record (it is removed once every line is
			// final, or the file came from elsewhere): any line without a
			// final result may have been sent.
			rec.HandedOver = p.total
		}
		if read {
			// Cut a torn last line before appending.
			if err := os.Truncate(f.results, st.end); err != nil {
				return nil, usagef("--resume: %v", err)
			}
		}
	}
	j, err := openJournal(f.results, f.force, window, id)
	if err != nil {
		return nil, err
	}
	p.journal = j
	if f.force {
		os.Remove(inflightPath(f.results))
	}
	if j.regular {
		if p.mark, err = openInflight(inflightPath(f.results), rec, window); err != nil {
			return nil, err
		}
	}
	if st == nil {
		return []call{{name: "send", selects: func(int) bool { return true }}}, nil
	}
	p.sum.Skipped, p.finals = st.finals, st.finals
	p.sum.Succeeded, p.sum.Failed = st.finalsOK, st.finals-st.finalsOK
	for o, n := range st.outcomes {
		for range n {
			p.sum.count(o)
		}
	}
	mark := rec.HandedOver
	// Lines in doubt whose item can be read back are settled; the others
	// stay in doubt, recorded again as such: re-sending them could create
	// them twice.
	settle := newBitset(p.total + 1)
	if err := forEachLine(p.input, func(n int, raw []byte) error {
		if n > mark || st.final.get(n) {
			return nil
		}
		if job.settleable(n, raw) {
			settle.set(n)
			return nil
		}
		return p.record(n, outcome{Err: fmt.Errorf("%w: an earlier run may have sent this line, and its item has no natural key to read it back by (not sent again: it could be created twice)", billbridge.ErrOutcomeUnknown)})
	}); err != nil {
		return nil, err
	}
	return []call{
		{name: "settle", selects: settle.get, opts: readBackFirst(), settle: true},
		{name: "send", selects: func(n int) bool { return n > mark && !st.final.get(n) }},
	}, nil
}

// forEachLine calls fn for every line of the input file.
func forEachLine(path string, fn func(n int, raw []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return usagef("input: %v", err)
	}
	defer file.Close()
	lines := newInputLines(file)
	for {
		n, raw, _, err := lines.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return usagef("reading input at line %d: %v", n, err)
		}
		if err := fn(n, raw); err != nil {
			return err
		}
	}
}
