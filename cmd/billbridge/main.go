// Command billbridge pushes JSON Lines files of customers and invoices to
// Tight, ChargeOver and Meteroid through the billbridge facades, serves fakes
// of the three providers for tests in any language, and runs a zero-setup
// demo.
//
// Usage:
//
//	billbridge push <provider> <resource> [--timeout D] [--attempt-timeout D] [--allow-unknown-fields] [flags] <file|->
//	billbridge list <provider> <resource> [--filter field=value ...] [--page-size N] [flags]
//	billbridge get <provider> <resource> <id> [flags]
//	billbridge fake <provider> [--addr 127.0.0.1:0] [--latency D] [--jitter D] [--error-rate P] [--rate-limit R] [--retry-after S] [--seed N]
//	billbridge demo
//
// push refuses the whole input, sending nothing, when a line is not a JSON
// object of the provider's request shape: unknown, misspelt or duplicate
// fields (unless --allow-unknown-fields), invalid UTF-8, an empty object, a
// line over 16 MiB. --timeout bounds the whole push (items not sent by then
// end as not sent), --attempt-timeout each HTTP attempt. --results FILE
// journals one result per line as results become final (fsynced); an
// earlier run's file is continued with --resume (lines in doubt are read
// back before being re-sent) or replaced with --force.
//
// Exit status: 0 when every item succeeded, 1 when some item failed, 2 for
// usage, credential or input errors.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/billbridge/billbridge"
)

// Exit statuses, part of the command-line contract.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// usageError is an error in the command line, the credentials or the input:
// exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `usage:
  billbridge push <provider> <resource> [flags] <file|->
      pairs: tight customers, tight invoices, chargeover customers, meteroid customers
      --timeout D             deadline of the whole push (Go duration, e.g. 10m; 0: none);
                              items not sent by then end as not sent
      --attempt-timeout D     bound of each HTTP attempt (0: the client's default, 60s)
      --allow-unknown-fields  drop fields the provider's schema does not know instead of
                              refusing the line (default: refuse, naming line and field)
      --results FILE          journal one JSON result per input line (fsynced as it goes)
      --resume                continue the push FILE records: skip final lines, read back
                              those in doubt, send the rest
      --force                 replace an earlier run's results FILE
  billbridge list <provider> <resource> [--filter field=value ...] [--page-size N] [flags]
      one JSON object per entity on stdout (JSON Lines, the spec's response shape)
  billbridge get <provider> <resource> <id> [flags]
  billbridge fake <provider> [--addr 127.0.0.1:0] [--latency D] [--jitter D] [--error-rate P]
                             [--rate-limit R] [--retry-after S] [--seed N]
  billbridge demo
Run "billbridge push -h" or "billbridge fake -h" for the flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "push":
		var failed bool
		failed, err = push(ctx, args[1:], stdin, stdout, stderr)
		if err == nil && failed {
			return exitFailed
		}
	case "list":
		var failed bool
		failed, err = list(ctx, args[1:], stdout, stderr)
		if err == nil && failed {
			return exitFailed
		}
	case "get":
		err = get(ctx, args[1:], stdout, stderr)
	case "fake":
		err = fake(ctx, args[1:], stdout, stderr)
	case "demo":
		err = demo(ctx, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q\n%s", args[0], usage)
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "billbridge:", err)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, billbridge.ErrUnauthorized) {
		// The credentials refused by the provider are a credential
		// error, as those missing are.
		return exitUsage
	}
	return exitFailed
}
