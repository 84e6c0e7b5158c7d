package benchmarks

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// Benchmark 1: throughput against the latency bound. Every fake answers
// after a fixed 20 ms; the ideal time of a run is
// ceil(N / (batch size × concurrency)) × latency, and the benchmark reports
// achieved/ideal (x_ideal, 1.0 is perfect) and the speed-up over a loop of
// single generated-client calls (timed on a subset of loopItems and scaled
// to N).

const (
	throughputN = 20000
	latency     = 20 * time.Millisecond
	loopItems   = 100
)

func ptr[T any](v T) *T { return &v }

// noLimits keeps retries quick (the fakes' ClientOptions already switch the
// client-side rate limit off; the fake has none).
var noLimits = []option.Option{option.WithMaxRetries(2)}

func report(b *testing.B, n, batch, conc int, elapsed, loopElapsed time.Duration, loopN int) {
	ideal := time.Duration(math.Ceil(float64(n)/float64(batch*conc))) * latency
	b.ReportMetric(elapsed.Seconds()/ideal.Seconds(), "x_ideal")
	scaledLoop := loopElapsed.Seconds() * float64(n) / float64(loopN)
	b.ReportMetric(scaledLoop/elapsed.Seconds(), "speedup_vs_loop")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "items/s")
	b.Logf("N=%d batch=%d concurrency=%d: %s (ideal %s, x%.2f); single-call loop scaled: %.1fs; speed-up x%.1f",
		n, batch, conc, elapsed.Round(time.Millisecond), ideal, elapsed.Seconds()/ideal.Seconds(), scaledLoop, scaledLoop/elapsed.Seconds())
}

func BenchmarkThroughputTight(b *testing.B) {
	const batch, conc = 100, 8
	srv := tighttest.NewServer(tighttest.WithFaults(fault.Config{Latency: latency}))
	defer srv.Close()
	c, err := tight.New(append(append(srv.ClientOptions(), noLimits...),
		option.WithBatchSize(batch), option.WithConcurrency(conc))...)
	if err != nil {
		b.Fatal(err)
	}
	items := make([]tight.CustomerInput, throughputN)
	for i := range items {
		items[i] = tight.CustomerInput{Id: ptr(fmt.Sprintf("cus_b%06d", i)), Name: ptr(fmt.Sprintf("Customer %d", i))}
	}
	gen, err := tightapi.NewClientWithResponses(srv.URL+"/v6", tightapi.WithRequestEditorFn(bearer(srv.Token)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		loop := timeLoop(b, loopItems, func(i int) error {
			r, err := gen.SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{items[i]}})
			if err == nil && r.StatusCode() != 200 {
				err = fmt.Errorf("status %d", r.StatusCode())
			}
			return err
		})
		start := time.Now()
		failed := 0
		for _, r := range c.SaveCustomers(context.Background(), items) {
			if r.Err != nil {
				failed++
			}
		}
		elapsed := time.Since(start)
		if failed > 0 {
			b.Fatalf("%d items failed", failed)
		}
		report(b, throughputN, batch, conc, elapsed, loop, loopItems)
	}
}

func BenchmarkThroughputChargeOver(b *testing.B) {
	const batch, conc = 25, 8
	srv := chargeovertest.NewServer(chargeovertest.WithFaults(fault.Config{Latency: latency}))
	defer srv.Close()
	c, err := chargeover.New(append(append(srv.ClientOptions(), noLimits...),
		option.WithConcurrency(conc))...)
	if err != nil {
		b.Fatal(err)
	}
	gen, err := chargeoverapi.NewClientWithResponses(srv.URL, chargeoverapi.WithRequestEditorFn(basic(srv.Username, srv.Password)))
	if err != nil {
		b.Fatal(err)
	}
	round := 0
	for b.Loop() {
		round++
		items := make([]chargeover.CustomerCreate, throughputN)
		for i := range items {
			items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Company %d", i), ExternalKey: ptr(fmt.Sprintf("b%d-%06d", round, i))}
		}
		loop := timeLoop(b, loopItems, func(i int) error {
			body := chargeoverapi.CustomerCreate{Company: fmt.Sprintf("Loop %d", i), ExternalKey: ptr(fmt.Sprintf("loop%d-%06d", round, i))}
			r, err := gen.CreateCustomerWithResponse(context.Background(), body)
			if err == nil && r.StatusCode() != 201 {
				err = fmt.Errorf("status %d", r.StatusCode())
			}
			return err
		})
		start := time.Now()
		failed := 0
		for _, r := range c.CreateCustomers(context.Background(), items) {
			if r.Err != nil {
				failed++
			}
		}
		elapsed := time.Since(start)
		if failed > 0 {
			b.Fatalf("%d items failed", failed)
		}
		report(b, throughputN, batch, conc, elapsed, loop, loopItems)
	}
}

func BenchmarkThroughputMeteroid(b *testing.B) {
	const conc = 64
	srv := meteroidtest.NewServer(meteroidtest.WithFaults(fault.Config{Latency: latency}), meteroidtest.WithGeneratedCustomers(throughputN))
	defer srv.Close()
	c, err := meteroid.New(append(append(srv.ClientOptions(), noLimits...), option.WithConcurrency(conc))...)
	if err != nil {
		b.Fatal(err)
	}
	gen, err := meteroidapi.NewClientWithResponses(srv.URL, meteroidapi.WithRequestEditorFn(bearer(srv.APIKey)))
	if err != nil {
		b.Fatal(err)
	}
	customers := srv.Customers()
	items := make([]meteroid.CustomerUpdate, len(customers))
	for i, cu := range customers {
		items[i] = meteroid.CustomerUpdate{IDOrAlias: cu.Id, Patch: meteroid.CustomerPatch{Phone: ptr(fmt.Sprintf("+1 555 %04d", i%10000))}}
	}
	for b.Loop() {
		loop := timeLoop(b, loopItems, func(i int) error {
			r, err := gen.PatchCustomerWithResponse(context.Background(), items[i].IDOrAlias, items[i].Patch)
			if err == nil && r.StatusCode() != 200 {
				err = fmt.Errorf("status %d", r.StatusCode())
			}
			return err
		})
		start := time.Now()
		failed := 0
		for _, r := range c.PatchCustomers(context.Background(), items) {
			if r.Err != nil {
				failed++
			}
		}
		elapsed := time.Since(start)
		if failed > 0 {
			b.Fatalf("%d items failed", failed)
		}
		report(b, len(items), 1, conc, elapsed, loop, loopItems)
	}
}

// timeLoop times n sequential single-item calls of the generated client.
func timeLoop(b *testing.B, n int, call func(i int) error) time.Duration {
	start := time.Now()
	for i := range n {
		if err := call(i); err != nil {
			b.Fatalf("single call %d: %v", i, err)
		}
	}
	return time.Since(start)
}
