package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/billbridge/billbridge/pkg/option"
)

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
		switch verb {
		case "sync":
			fmt.Fprintln(stderr, "usage: billbridge sync <provider> <resource> [--key FIELD] [--plan] [flags] <file|->")
		case "replace":
			fmt.Fprintln(stderr, "usage: billbridge replace <provider> <resource> [flags] <file|->")
		default:
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
	if err := f.check(pos[0], pos[1]); err != nil {
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
	case verb == "replace" && (f.mode != "" || f.plan):
		return false, usagef("replace writes whole entities by id: --mode and --plan are for keyed creates (billbridge sync)")
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
		// A CSV input of a job that takes CSV is read as the JSON Lines it
		// converts to (see csvJob).
		path, remove, err := convertCSV(job, pos[2])
		if err != nil {
			return false, err
		}
		defer remove()
		p.input = path
		file, err := os.Open(path)
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
	id, bad, err := validateInput(in, spoolW, p.input, job, stderr, f.results != "")
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
