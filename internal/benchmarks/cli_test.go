package benchmarks

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Benchmark 5: the command line side by side with what a user would write,
// against "billbridge fake tight --latency 20ms" in its own process: a
// 20,000-item push at batch 100 × concurrency 4 (client rate limit off)
// against the latency bound and a worker pool over the generated client
// (internal/benchmarks/pool), plain and stamping the same create keys (the
// server's work for the keys is then the same on both sides), and a 1-item
// push against a one-shot (internal/benchmarks/oneshot). The runs
// alternate, so a fake that slows as its store grows weighs on all alike.
// Reported as ratios; see BENCHMARKS.md §5.
func BenchmarkCLI(b *testing.B) {
	url, token := startFakeProcess(b, "--latency", "20ms")
	bb := buildBinary(b, "github.com/billbridge/billbridge/cmd/billbridge")
	pool := buildBinary(b, "github.com/billbridge/billbridge/internal/benchmarks/pool")
	oneshot := buildBinary(b, "github.com/billbridge/billbridge/internal/benchmarks/oneshot")
	dir := b.TempDir()
	many, one := filepath.Join(dir, "20k.jsonl"), filepath.Join(dir, "1.jsonl")
	writeLines(b, many, 20_000)
	writeLines(b, one, 1)
	timed := func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "TIGHT_TOKEN="+token)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		return time.Since(start)
	}
	median := func(runs int, f func() time.Duration) time.Duration {
		ds := make([]time.Duration, runs)
		for i := range ds {
			ds[i] = f()
		}
		slices.Sort(ds)
		return ds[runs/2]
	}
	for b.Loop() {
		const runs = 3
		var cli, users, keyed []time.Duration
		for range runs {
			cli = append(cli, timed(bb, "push", "tight", "customers", "--base-url", url, "--batch-size", "100", "--concurrency", "4", "--rate-limit", "-1", many))
			users = append(users, timed(pool, "-batch", "100", "-conc", "4", url, many))
			keyed = append(keyed, timed(pool, "-batch", "100", "-conc", "4", "-keys", url, many))
		}
		push1 := median(21, func() time.Duration { return timed(bb, "push", "tight", "customers", "--base-url", url, one) })
		shot := median(21, func() time.Duration { return timed(oneshot, url, one) })
		bound := time.Duration(20_000/(100*4)) * 20 * time.Millisecond
		c, u, k := slices.Min(cli), slices.Min(users), slices.Min(keyed)
		b.ReportMetric(c.Seconds()/bound.Seconds(), "cli/bound")
		b.ReportMetric(u.Seconds()/bound.Seconds(), "pool/bound")
		b.ReportMetric(k.Seconds()/bound.Seconds(), "poolkeys/bound")
		b.ReportMetric(c.Seconds()/u.Seconds(), "cli/pool")
		b.ReportMetric(c.Seconds()/k.Seconds(), "cli/poolkeys")
		b.ReportMetric(push1.Seconds()/shot.Seconds(), "push1/oneshot")
	}
}

func writeLines(b *testing.B, path string, n int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for i := range n {
		fmt.Fprintf(f, "{\"name\":\"Bench %06d\"}\n", i)
	}
}
