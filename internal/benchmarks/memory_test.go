package benchmarks

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// Benchmark 3: memory. N Tight customers are streamed from a generator
// through the facade to a zero-latency fake; the benchmark reports the peak
// live heap of this process (sampled every 5 ms). The fake runs in its own
// process ("billbridge fake tight") so that the entities it stores do not
// count: what is measured is the client's footprint, which must not grow
// with N.

// startFakeProcess builds the command and starts "billbridge fake tight"
// with the given extra flags (a latency, say).
func startFakeProcess(b *testing.B, flags ...string) (url, token string) {
	b.Helper()
	bin := buildBinary(b, "github.com/billbridge/billbridge/cmd/billbridge")
	cmd := exec.Command(bin, append([]string{"fake", "tight"}, flags...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			url = u
		}
		if t, ok := strings.CutPrefix(line, "TIGHT_TOKEN="); ok {
			token = t
			break
		}
	}
	if url == "" || token == "" {
		b.Fatal("the fake did not print its address and token")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return url, token
}

// buildBinary builds a main package into the benchmark's temporary folder.
func buildBinary(b *testing.B, pkg string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), filepath.Base(pkg))
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("build %s: %v", pkg, err)
	}
	return bin
}

// peakHeap samples the live heap until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func generate(n int) iter.Seq[tight.CustomerInput] {
	return func(yield func(tight.CustomerInput) bool) {
		for i := range n {
			id, name := fmt.Sprintf("cus_m%07d", i), fmt.Sprintf("Customer %d", i)
			if !yield(tight.CustomerInput{Id: &id, Name: &name}) {
				return
			}
		}
	}
}

func BenchmarkMemoryStream(b *testing.B) {
	url, token := startFakeProcess(b)
	peaks := map[int]uint64{}
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			c, err := tight.New(option.WithBaseURL(url), option.WithToken(token), option.WithRateLimit(0, 0), option.WithConcurrency(4))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				stop := peakHeap()
				done, failed := 0, 0
				for r := range c.SaveCustomersSeq(context.Background(), generate(n)) {
					done++
					if r.Err != nil {
						failed++
					}
				}
				peak := stop()
				if done != n || failed > 0 {
					b.Fatalf("%d results, %d failed, want %d ok", done, failed, n)
				}
				peaks[n] = peak
				b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")
			}
		})
	}
	if peaks[100_000] > 0 && peaks[1_000_000] > 0 {
		b.Logf("peak heap: 100k %.1f MiB, 1M %.1f MiB, ratio 1M/100k = %.2f (10x the items)",
			float64(peaks[100_000])/(1<<20), float64(peaks[1_000_000])/(1<<20), float64(peaks[1_000_000])/float64(peaks[100_000]))
	}
}
