package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/option"
)

// readPair is what "billbridge list" and "get" need of a provider/resource
// pair; the registry (registry_*.go) holds one per pair and verb.
type readPair struct {
	// filters names the --filter fields the pair accepts, each with a
	// one-line description for the usage text.
	filters map[string]string
	// maxPageSize is the provider's largest page (--page-size is checked
	// against it); 0 when the provider takes no page size.
	maxPageSize int
	// list walks every entity matching filters (already checked against
	// the names above); pageSize 0 takes the facade's default. counts
	// reports the client's requests and retries when the walk is done.
	list func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (entities iter.Seq2[any, error], counts func() (int64, int64), err error)
	// get reads one entity by its id (or the pair's documented key).
	get func(ctx context.Context, opts []option.Option, id string) (any, error)
}

// readFlags are the flags "list" and "get" share with "push".
type readFlags struct {
	baseURL, site  string
	fake, allow    bool
	maxRetries     int
	rateLimit      float64
	attemptTimeout time.Duration
	timeout        time.Duration
	pageSize       int
	filters        filterFlag
}

// filterFlag collects repeated --filter field=value flags.
type filterFlag map[string]string

func (f filterFlag) String() string { return fmt.Sprint(map[string]string(f)) }

func (f filterFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want field=value, got %q", v)
	}
	if _, dup := f[k]; dup {
		return fmt.Errorf("field %q given twice", k)
	}
	f[k] = val
	return nil
}

func (f *readFlags) register(fs *flag.FlagSet, list bool) {
	fs.StringVar(&f.baseURL, "base-url", "", "provider base URL (default: $<PROVIDER>_BASE_URL, else the provider's documented URL)")
	fs.StringVar(&f.site, "site", "", "ChargeOver site name (https://NAME.chargeover.com)")
	fs.BoolVar(&f.fake, "fake", false, "start an embedded (empty) fake of the provider and read from it")
	fs.BoolVar(&f.allow, "allow-http", false, "allow a plain http base URL off loopback")
	fs.IntVar(&f.maxRetries, "max-retries", -1, "retries after the first attempt (-1: default)")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second; 0 = provider default; -1 = none")
	fs.DurationVar(&f.attemptTimeout, "attempt-timeout", 0, "bound of each HTTP attempt (0: the client's default, 60s)")
	fs.DurationVar(&f.timeout, "timeout", 0, "deadline of the whole command (0: none)")
	if list {
		f.filters = filterFlag{}
		fs.IntVar(&f.pageSize, "page-size", 0, "entities per page request (default: the provider's)")
		fs.Var(f.filters, "filter", "field=value: only entities matching it (repeatable; the fields depend on the pair)")
	}
}

// pushFlags are the flags as push's, whose options and checks they share.
func (f *readFlags) pushFlags() pushFlags {
	return pushFlags{baseURL: f.baseURL, site: f.site, allowHTTP: f.allow, maxRetries: f.maxRetries,
		rateLimit: f.rateLimit, attemptTimeout: f.attemptTimeout, timeout: f.timeout, fake: f.fake}
}

// clientOptions checks the flags and turns them into client options for
// provider p, as push does: --site by p's rule, and with --fake a fake of p
// started (stop closes it).
func (f *readFlags) clientOptions(p *providerDef) (opts []option.Option, stop func(), err error) {
	pf := f.pushFlags()
	if err := pf.check("", ""); err != nil {
		return nil, nil, err
	}
	if pf.baseURL, err = p.hostFor(f.site, f.baseURL, f.fake); err != nil {
		return nil, nil, err
	}
	if !f.fake {
		return pf.options(), func() {}, nil
	}
	fakeOpts, stop, err := p.fake(nil)
	if err != nil {
		return nil, nil, err
	}
	return fakeFirst(fakeOpts, pf), stop, nil
}

// readCommand parses "list" or "get" and returns the pair, its options and
// the positional arguments after provider and resource.
func readCommand(ctx context.Context, name string, args []string, stderr io.Writer, want int) (readPair, []option.Option, []string, *readFlags, func(), error) {
	var f readFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, name == "list")
	fs.Usage = func() {
		if name == "list" {
			fmt.Fprintln(stderr, "usage: billbridge list <provider> <resource> [--filter field=value ...] [--page-size N] [flags]")
		} else {
			fmt.Fprintln(stderr, "usage: billbridge get <provider> <resource> <id> [flags]")
		}
		fmt.Fprintf(stderr, "pairs: %s\n", pairNames(name))
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return readPair{}, nil, nil, nil, nil, err // the usage is printed: exit 0
	}
	if err != nil {
		return readPair{}, nil, nil, nil, nil, usagef("%v", err)
	}
	if len(pos) != 2+want {
		return readPair{}, nil, nil, nil, nil, usagef("%s wants <provider> <resource>%s, got %q", name, strings.Repeat(" <id>", want), pos)
	}
	prov, v, err := lookup(name, pos[0], pos[1])
	if err != nil {
		return readPair{}, nil, nil, nil, nil, err
	}
	opts, stop, err := f.clientOptions(prov)
	if err != nil {
		return readPair{}, nil, nil, nil, nil, err
	}
	return *v.read, opts, pos[2:], &f, stop, nil
}

// list runs "billbridge list": one JSON object per entity on stdout, in the
// spec's response shape; failed reports that the walk ended on an error.
func list(ctx context.Context, args []string, stdout, stderr io.Writer) (failed bool, err error) {
	pair, opts, _, f, stop, err := readCommand(ctx, "list", args, stderr, 0)
	if err != nil {
		return false, err
	}
	defer stop()
	for k := range f.filters {
		if _, ok := pair.filters[k]; !ok {
			known := make([]string, 0, len(pair.filters))
			for name := range pair.filters {
				known = append(known, name)
			}
			sort.Strings(known)
			return false, usagef("--filter %s: unknown field; this pair filters on %s", k, strings.Join(known, ", "))
		}
	}
	if f.pageSize < 0 || pair.maxPageSize > 0 && f.pageSize > pair.maxPageSize {
		return false, usagef("--page-size %d: must be between 1 and %d", f.pageSize, pair.maxPageSize)
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	entities, counts, err := pair.list(ctx, opts, f.filters, f.pageSize)
	if err != nil {
		return false, usagef("%v", err)
	}
	enc := json.NewEncoder(stdout)
	progress := isTerminal(stderr)
	n := 0
	for e, err := range entities {
		if err != nil {
			if errors.Is(err, billbridge.ErrUnauthorized) {
				return true, err // a credential error: run says it once, exit status 2
			}
			fmt.Fprintf(stderr, "billbridge list: after %d entities: %v\n", n, err)
			return true, nil
		}
		if err := enc.Encode(e); err != nil {
			return false, fmt.Errorf("writing stdout: %w", err)
		}
		n++
		if progress && n%100 == 0 {
			fmt.Fprintf(stderr, "\r%d entities", n)
		}
	}
	if progress {
		req, _ := counts()
		fmt.Fprintf(stderr, "\r%d entities, %d requests\n", n, req)
	}
	return false, nil
}

// get runs "billbridge get": the entity as one JSON object on stdout.
func get(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	pair, opts, pos, f, stop, err := readCommand(ctx, "get", args, stderr, 1)
	if err != nil {
		return err
	}
	defer stop()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	e, err := pair.get(ctx, opts, pos[0])
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(e)
}

// isTerminal reports whether w is a terminal (progress lines go there only).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
