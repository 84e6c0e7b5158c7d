package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// Benchmark 2: CPU per item with an in-memory transport (no network, no
// server work): the facade, the generated client called directly, and bare
// encoding/json of the same request and response bodies. Each sub-benchmark
// reports ns/item and allocs/item; their ratios are the facade's overhead.

const cpuBatch, cpuItems = 100, 1000

// cannedTransport answers every request with the same body, after reading
// the request (as a server would).
type cannedTransport struct{ body []byte }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": []string{"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(t.body)),
		Request: r, ContentLength: int64(len(t.body)),
	}, nil
}

func cpuFixture(tb testing.TB) ([]tight.CustomerInput, []byte) {
	items := make([]tight.CustomerInput, cpuItems)
	for i := range items {
		items[i] = tight.CustomerInput{
			Id: ptr(fmt.Sprintf("cus_%08d", i)), Name: ptr(fmt.Sprintf("Customer %d", i)),
			Email: ptr(fmt.Sprintf("billing%d@example.com", i)), BusinessName: ptr("Acme Corporation LLC"),
			CcEmails: &[]string{"cc@example.com"},
		}
	}
	env := tightapi.CustomerSaveEnvelope{Result: "SUCCESS"}
	for i := range cpuBatch {
		in := items[i]
		env.Data = append(env.Data, tightapi.CustomerItemResult{Result: "SUCCESS", StatusCode: 200, Data: &tightapi.Customer{
			Id: *in.Id, Name: in.Name, Email: in.Email, BusinessName: in.BusinessName, CcEmails: in.CcEmails,
		}})
	}
	body, err := json.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	return items, body
}

// perItem reports, per item over the benchmark's loop, the elapsed ns, the
// CPU ns of the whole process (user + system, every goroutine and the GC:
// work done in parallel is not hidden by the elapsed time) and the
// allocations.
func perItem(b *testing.B, run func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime(b)
	loops := 0
	for b.Loop() {
		run()
		loops++
	}
	cpu := cpuTime(b) - cpu0
	runtime.ReadMemStats(&after)
	n := float64(loops * cpuItems)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/item")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/item")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/item")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCPUPerItem(b *testing.B) {
	items, body := cpuFixture(b)
	httpClient := &http.Client{Transport: cannedTransport{body: body}}

	b.Run("facade", func(b *testing.B) {
		c, err := tight.New(option.WithBaseURL("https://tight.invalid"), option.WithToken("t"), option.WithHTTPClient(httpClient),
			option.WithBatchSize(cpuBatch), option.WithConcurrency(1), option.WithRateLimit(0, 0))
		if err != nil {
			b.Fatal(err)
		}
		perItem(b, func() {
			for _, r := range c.SaveCustomers(context.Background(), items) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		})
	})
	b.Run("generated", func(b *testing.B) {
		gen, err := tightapi.NewClientWithResponses("https://tight.invalid/v6", tightapi.WithHTTPClient(httpClient), tightapi.WithRequestEditorFn(bearer("t")))
		if err != nil {
			b.Fatal(err)
		}
		perItem(b, func() {
			for i := 0; i < len(items); i += cpuBatch {
				r, err := gen.SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: items[i : i+cpuBatch]})
				if err != nil || r.JSON200 == nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("encoding_json", func(b *testing.B) {
		perItem(b, func() {
			for i := 0; i < len(items); i += cpuBatch {
				if _, err := json.Marshal(tightapi.SaveCustomersRequest{Data: items[i : i+cpuBatch]}); err != nil {
					b.Fatal(err)
				}
				var env tightapi.CustomerSaveEnvelope
				if err := json.Unmarshal(body, &env); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
