package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// demoFaults are switched on in every demo fake: some 503s, 429s that say
// when to come back, latency, and the odd connection dropped after the
// server acted.
var demoFaults = fault.Config{
	Seed:       42,
	Latency:    5 * time.Millisecond,
	Jitter:     10 * time.Millisecond,
	RetryAfter: 100 * time.Millisecond,
	Rates: map[fault.Kind]float64{
		fault.Status503:    0.05,
		fault.TooManyAfter: 0.03,
		fault.DropAfter:    0.01,
	},
}

// demoRetries keeps the demo quick: the waits are short, the rules the same.
var demoRetries = billbridge.RetryPolicy{MaxRetries: 6, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxRetryAfter: 200 * time.Millisecond}

type demoRow struct {
	name                     string
	items, succeeded, failed int
	existing                 int
	requests, retries        int64
	elapsed                  time.Duration
}

// demo pushes sample data to embedded fakes of all three providers. It
// takes no arguments; -h prints its usage and runs nothing.
func demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: billbridge demo")
		fmt.Fprintln(stderr, "pushes sample data to embedded fakes of Tight, ChargeOver and Meteroid, with faults switched on")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err // the usage is printed: exit 0
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", fs.Args())
	}
	fmt.Fprintln(stdout, "billbridge demo: sample data pushed to embedded fakes with faults switched on")
	fmt.Fprintf(stdout, "faults: %s\n\n", demoFaults)
	var rows []demoRow
	for _, step := range []func(context.Context, io.Writer) (demoRow, error){demoTightCustomers, demoTightInvoices, demoChargeOver, demoMeteroid} {
		row, err := step(ctx, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-22s %4d items  %4d ok  %3d failed  (%s)\n", row.name, row.items, row.succeeded, row.failed, row.elapsed.Round(time.Millisecond))
		rows = append(rows, row)
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "provider\titems\tsucceeded\tfailed\texisting\trequests\tretries\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.name, r.items, r.succeeded, r.failed, r.existing, r.requests, r.retries)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nA create whose answer was lost (a 5xx or a connection dropped after it was sent) is never re-sent")
	fmt.Fprintln(stdout, "blindly: it is read back by its natural key (Tight's create key in customData, ChargeOver's")
	fmt.Fprintln(stdout, "external_key) and counted as \"existing\" when found, sent again only when surely absent. Upserts")
	fmt.Fprintln(stdout, "and patches are retried; failed items, if any, say why in the results.")
	return nil
}

// tally counts results into a row.
func tally[T any](name string, results []billbridge.Result[T], counts func() (int64, int64), start time.Time) demoRow {
	row := demoRow{name: name, items: len(results), elapsed: time.Since(start)}
	for _, r := range results {
		if r.Err != nil {
			row.failed++
		} else {
			row.succeeded++
		}
		if r.Existing {
			row.existing++
		}
	}
	row.requests, row.retries = counts()
	return row
}

func demoOptions(stderr io.Writer, total int, extra ...option.Option) []option.Option {
	// The providers' own rate limits (Tight: 1000 requests per 5 minutes)
	// would make the demo wait for minutes; the fakes have none.
	opts := append([]option.Option{option.WithRetryPolicy(demoRetries), option.WithConcurrency(4), option.WithRateLimit(200, 20)}, extra...)
	if bar := newProgressBar(stderr, total); bar != nil {
		opts = append(opts, option.WithProgress(func(p billbridge.Progress) {
			bar.update(p)
			if p.Done == total {
				bar.finish()
			}
		}))
	}
	return opts
}

const demoTightN, demoInvoiceN, demoChargeOverN, demoMeteroidN = 1000, 300, 500, 300

var demoTightFake *tighttest.Server

func demoTightCustomers(ctx context.Context, stderr io.Writer) (demoRow, error) {
	srv, err := tighttest.Start(tighttest.WithFaults(demoFaults))
	if err != nil {
		return demoRow{}, err
	}
	demoTightFake = srv
	c, err := tight.New(demoOptions(stderr, demoTightN, option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret), option.WithBatchSize(50))...)
	if err != nil {
		return demoRow{}, err
	}
	items := make([]tight.CustomerInput, demoTightN)
	for i := range items {
		items[i] = tight.CustomerInput{Name: ptr(fmt.Sprintf("Customer %04d", i)), Email: ptr(fmt.Sprintf("billing%04d@example.com", i))}
		if i%2 == 0 { // half are updates of known customers: safe to retry
			items[i].Id = ptr(fmt.Sprintf("cus_demo%04d", i))
		}
	}
	start := time.Now()
	return tally("tight customers", c.SaveCustomers(ctx, items), c.Counts, start), nil
}

func demoTightInvoices(ctx context.Context, stderr io.Writer) (demoRow, error) {
	srv := demoTightFake
	defer srv.Close()
	c, err := tight.New(demoOptions(stderr, demoInvoiceN, option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret), option.WithBatchSize(25))...)
	if err != nil {
		return demoRow{}, err
	}
	items := make([]tight.InvoiceInput, demoInvoiceN)
	for i := range items {
		items[i] = tight.InvoiceInput{
			Id:         ptr(fmt.Sprintf("inv_demo%04d", i)),
			Name:       ptr(fmt.Sprintf("Consulting %d", i)),
			CustomerId: ptr(fmt.Sprintf("cus_demo%04d", (i*2)%demoTightN)),
			LineItems: &[]tight.LineItemInput{{
				Description: ptr("Consulting services"),
				Quantity:    ptr(flex.Decimal("2.0")),
				Price:       ptr(flex.Decimal(fmt.Sprintf("%d.0", 1000+i))),
			}},
		}
	}
	start := time.Now()
	return tally("tight invoices", c.SaveInvoices(ctx, items), c.Counts, start), nil
}

func demoChargeOver(ctx context.Context, stderr io.Writer) (demoRow, error) {
	srv, err := chargeovertest.Start(chargeovertest.WithFaults(demoFaults))
	if err != nil {
		return demoRow{}, err
	}
	defer srv.Close()
	c, err := chargeover.New(demoOptions(stderr, demoChargeOverN, option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, srv.Password))...)
	if err != nil {
		return demoRow{}, err
	}
	items := make([]chargeover.CustomerCreate, demoChargeOverN)
	for i := range items {
		items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Company %04d", i), ExternalKey: ptr(fmt.Sprintf("demo-%04d", i))}
	}
	start := time.Now()
	return tally("chargeover customers", c.CreateCustomers(ctx, items), c.Counts, start), nil
}

func demoMeteroid(ctx context.Context, stderr io.Writer) (demoRow, error) {
	srv, err := meteroidtest.Start(meteroidtest.WithFaults(demoFaults), meteroidtest.WithGeneratedCustomers(demoMeteroidN))
	if err != nil {
		return demoRow{}, err
	}
	defer srv.Close()
	c, err := meteroid.New(demoOptions(stderr, demoMeteroidN, option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))...)
	if err != nil {
		return demoRow{}, err
	}
	customers := srv.Customers()
	items := make([]meteroid.CustomerUpdate, len(customers))
	for i, cu := range customers {
		items[i] = meteroid.CustomerUpdate{IDOrAlias: cu.Id, Patch: meteroid.CustomerPatch{
			BillingEmail: ptr(fmt.Sprintf("billing%04d@example.com", i)),
			Currency:     ptr(meteroid.CurrencyUSD),
		}}
	}
	start := time.Now()
	return tally("meteroid customers", c.PatchCustomers(ctx, items), c.Counts, start), nil
}
