// Command billbridge pushes JSON Lines files of customers and invoices to
// Tight, ChargeOver and Meteroid through the billbridge facades, serves fakes
// of the three providers for tests in any language, and runs a zero-setup
// demo.
//
// Usage:
//
//	billbridge push <provider> <resource> [--timeout D] [--attempt-timeout D] [--allow-unknown-fields] [flags] <file|->
//	billbridge sync <provider> <resource> [--key FIELD] [--plan] [flags] <file|->
//	billbridge replace <provider> <resource> [flags] <file|->
//	billbridge list <provider> <resource> [--filter field=value|field~=value ...] [--page-size N] [flags]
//	billbridge get <provider> <resource> <id> [flags]
//	billbridge delete|archive|unarchive|cancel|send|download <provider> <resource> <id>... [--from FILE|-] [flags]
//	billbridge fake <provider> [--addr 127.0.0.1:0] [--latency D] [--jitter D] [--error-rate P] [--after-acting-rate P] [--fault KIND=RATE ...] [--rate-limit R] [--retry-after S] [--seed N] [--webhook-url U --webhook-secret S]
//	billbridge webhooks listen <provider> --secret S [--addr 127.0.0.1:0] [--forward URL]
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
// fake injects faults at the rates its flags give: --error-rate spreads P
// over 500, 502, 503 and 504 answered before acting, --after-acting-rate over
// drop-after, truncated-json and 500-after (the fake acts, then its answer is
// lost), and --fault KIND=RATE (repeatable) names any kind of package fault.
//
// Exit status: 0 when every item succeeded, 1 when some item failed, 2 for
// usage, credential or input errors; 130 after SIGINT and 143 after SIGTERM
// (128 + the signal's number, the shell's convention), once the command has
// ended the requests in flight and recorded the rest as not sent. -h or
// --help prints the usage and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/billbridge/billbridge"
)

// Exit statuses, part of the command-line contract.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	// A command ended by a signal exits 128 + the signal's number.
	exitInterrupted = 128 + int(syscall.SIGINT)  // 130
	exitTerminated  = 128 + int(syscall.SIGTERM) // 143
)

// usageError is an error in the command line, the credentials or the input:
// exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

var usage = usageText()

func main() {
	// As signal.NotifyContext, but remembering the signal for the exit
	// status: the first SIGINT or SIGTERM cancels ctx (later ones are
	// ignored until run returns) and the command ends as it would on
	// --timeout.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	received := make(chan os.Signal, 1)
	go func() {
		s := <-sigs
		received <- s
		cancel(fmt.Errorf("%v signal received", s))
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	signal.Stop(sigs)
	select {
	case s := <-received:
		code = signalExit(s)
	default:
	}
	cancel(nil)
	os.Exit(code)
}

// signalExit is the exit status of a command ended by s.
func signalExit(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
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
	case "sync":
		var failed bool
		failed, err = syncCmd(ctx, args[1:], stdin, stdout, stderr)
		if err == nil && failed {
			return exitFailed
		}
	case "replace":
		var failed bool
		failed, err = pushOrSync(ctx, "replace", args[1:], stdin, stdout, stderr)
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
		err = demo(ctx, args[1:], stdout, stderr)
	case "webhooks":
		err = webhooksCmd(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		if !slices.Contains(eachVerbs, args[0]) {
			err = usagef("unknown command %q\n%s", args[0], usage)
			break
		}
		// A verb over ids (the registry's eachVerbs): delete, archive, send, ...
		var failed bool
		failed, err = eachCommand(ctx, args[0], args[1:], stdin, stdout, stderr)
		if err == nil && failed {
			return exitFailed
		}
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		// -h or --help: the subcommand printed its usage to stderr.
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
