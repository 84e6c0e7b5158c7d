package batch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/transport"
)

// doubler is a SendFunc that doubles each value, checks the chunk size and
// records the calls in flight and which items it saw.
type doubler struct {
	size     int
	inFlight atomic.Int64
	maxSeen  atomic.Int64
	calls    atomic.Int64
	mu       sync.Mutex
	seen     map[int]int
	badChunk atomic.Int64
}

func (d *doubler) send(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
	n := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for {
		m := d.maxSeen.Load()
		if n <= m || d.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	d.calls.Add(1)
	if len(chunk) == 0 || len(chunk) > d.size {
		d.badChunk.Add(1)
	}
	d.mu.Lock()
	for _, it := range chunk {
		d.seen[it.Index]++
	}
	d.mu.Unlock()
	// Finish out of order.
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
	out := make([]billbridge.Result[int], len(chunk))
	for i, it := range chunk {
		out[i] = billbridge.Result[int]{Index: -1, ID: fmt.Sprint("id-", it.Value), Value: it.Value * 2, Attempts: 1}
	}
	return out
}

func TestRunOneOrderedResultPerItem(t *testing.T) {
	for _, n := range []int{0, 1, 7, 10, 33, 101} {
		for _, size := range []int{0, 1, 3, 10, 25} {
			for _, conc := range []int{0, 1, 2, 8} {
				t.Run(fmt.Sprintf("n=%d/size=%d/conc=%d", n, size, conc), func(t *testing.T) {
					items := make([]int, n)
					for i := range items {
						items[i] = i + 1000
					}
					d := &doubler{size: max(size, 1), seen: map[int]int{}}
					res := batch.Run(context.Background(), items, batch.Options{ChunkSize: size, Concurrency: conc}, d.send)
					if len(res) != n {
						t.Fatalf("%d results for %d items", len(res), n)
					}
					for i, r := range res {
						if r.Index != i || r.Value != 2*(i+1000) || r.ID != fmt.Sprint("id-", i+1000) || !r.OK() || r.Attempts != 1 {
							t.Fatalf("result %d = %+v", i, r)
						}
					}
					for i := range n {
						if d.seen[i] != 1 {
							t.Fatalf("item %d sent %d times", i, d.seen[i])
						}
					}
					if want := int64(max(conc, 1)); d.maxSeen.Load() > want && (conc <= 1 || d.maxSeen.Load() > want+1) {
						t.Fatalf("%d sends in flight, Concurrency %d (one more may prepare)", d.maxSeen.Load(), conc)
					}
					if d.badChunk.Load() != 0 {
						t.Fatalf("%d chunks empty or larger than %d", d.badChunk.Load(), max(size, 1))
					}
					wantCalls := (n + max(size, 1) - 1) / max(size, 1)
					if d.calls.Load() != int64(wantCalls) {
						t.Fatalf("%d sends, want %d", d.calls.Load(), wantCalls)
					}
				})
			}
		}
	}
}

// TestConcurrencyIsUsedAndBounded: Concurrency requests are on the wire at
// once, never more, while one more chunk's SendFunc runs beside them (it
// prepares its chunk, then waits for a place).
func TestConcurrencyIsUsedAndBounded(t *testing.T) {
	const conc = 4
	var onWire, maxWire, sends, maxSends atomic.Int64
	raise := func(v, n *atomic.Int64) {
		for m := v.Load(); n.Load() > m && !v.CompareAndSwap(m, n.Load()); m = v.Load() {
		}
	}
	release := make(chan struct{})
	var once sync.Once
	tr := &transport.Transport{Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		onWire.Add(1)
		defer onWire.Add(-1)
		raise(&maxWire, &onWire)
		if onWire.Load() == conc {
			once.Do(func() { close(release) })
		}
		select {
		case <-release: // all places were busy at once
		case <-time.After(2 * time.Second):
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}}, nil
	})}
	client := &http.Client{Transport: tr}
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		sends.Add(1)
		defer sends.Add(-1)
		raise(&maxSends, &sends)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/x", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
		return make([]billbridge.Result[int], len(chunk))
	}
	res := batch.Run(context.Background(), make([]int, 100), batch.Options{ChunkSize: 5, Concurrency: conc}, send)
	if len(res) != 100 || maxWire.Load() != conc || maxSends.Load() > conc+1 {
		t.Fatalf("%d results, %d requests and %d sends at once; want 100, exactly %d and at most %d", len(res), maxWire.Load(), maxSends.Load(), conc, conc+1)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMissingResultsBecomeErrors(t *testing.T) {
	send := func(ctx context.Context, chunk []batch.Item[string]) []billbridge.Result[string] {
		out := make([]billbridge.Result[string], 0, len(chunk))
		for _, it := range chunk {
			out = append(out, billbridge.Result[string]{Value: it.Value})
		}
		switch chunk[0].Index {
		case 0:
			return out[:len(out)-2] // two short
		case 4:
			return nil // none at all
		case 8:
			return append(out, billbridge.Result[string]{Value: "extra"}) // one too many
		}
		return out
	}
	items := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	res := batch.Run(context.Background(), items, batch.Options{ChunkSize: 4, Concurrency: 2}, send)
	if len(res) != len(items) {
		t.Fatalf("%d results", len(res))
	}
	failed := map[int]bool{2: true, 3: true, 4: true, 5: true, 6: true, 7: true}
	for i, r := range res {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
		if failed[i] != (r.Err != nil) {
			t.Fatalf("result %d = %+v; want failed=%v", i, r, failed[i])
		}
		if r.Err == nil && r.Value != items[i] {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
}

func TestCancelMidRunLeavesNoItemWithoutResult(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint("conc=", conc), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			sent := map[int]bool{}
			var calls atomic.Int64
			send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
				mu.Lock()
				for _, it := range chunk {
					sent[it.Index] = true
				}
				mu.Unlock()
				if calls.Add(1) == 3 {
					cancel()
				}
				out := make([]billbridge.Result[int], len(chunk))
				if ctx.Err() != nil {
					for i := range out {
						out[i].Err = ctx.Err()
					}
				}
				return out
			}
			res := batch.Run(ctx, make([]int, 200), batch.Options{ChunkSize: 5, Concurrency: conc}, send)
			if len(res) != 200 {
				t.Fatalf("%d results for 200 items", len(res))
			}
			notSent := 0
			for i, r := range res {
				if r.Index != i {
					t.Fatalf("result %d has index %d", i, r.Index)
				}
				if sent[i] {
					if errors.Is(r.Err, billbridge.ErrNotSent) {
						t.Fatalf("item %d was sent but reported not sent", i)
					}
					continue
				}
				notSent++
				if !errors.Is(r.Err, billbridge.ErrNotSent) || !errors.Is(r.Err, context.Canceled) || r.Attempts != 0 {
					t.Fatalf("unsent item %d: %+v", i, r)
				}
			}
			if notSent == 0 || notSent > 200-15 {
				t.Fatalf("%d items not sent", notSent)
			}
		})
	}
}

func TestCancelledBeforeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int64
	res := batch.Run(ctx, make([]int, 23), batch.Options{ChunkSize: 4, Concurrency: 2}, func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		calls.Add(1)
		return make([]billbridge.Result[int], len(chunk))
	})
	if len(res) != 23 || calls.Load() != 0 {
		t.Fatalf("%d results, %d sends", len(res), calls.Load())
	}
	for i, r := range res {
		if r.Index != i || !errors.Is(r.Err, billbridge.ErrNotSent) || r.OK() {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
}

func TestStreamMemoryStaysBounded(t *testing.T) {
	const n, size, conc = 200_000, 50, 4
	var produced, consumed atomic.Int64
	seq := func(yield func(int) bool) {
		for i := range n {
			produced.Add(1)
			if !yield(i) {
				return
			}
		}
	}
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		out := make([]billbridge.Result[int], len(chunk))
		for i, it := range chunk {
			out[i].Value = it.Value
		}
		return out
	}
	bound := int64((2*conc + 2) * size)
	var worst int64
	next := 0
	for r := range batch.Stream(context.Background(), seq, -1, batch.Options{ChunkSize: size, Concurrency: conc}, send) {
		c := consumed.Add(1)
		if r.Index != next || r.Value != next || r.Err != nil {
			t.Fatalf("result %d = %+v", next, r)
		}
		next++
		if d := produced.Load() - c; d > worst {
			worst = d
		}
	}
	if next != n {
		t.Fatalf("%d results for %d items", next, n)
	}
	if worst > bound {
		t.Fatalf("up to %d items held at once, bound %d", worst, bound)
	}
}

func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStreamBreakStopsAndDoesNotLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	var inFlight, sendsAfterBreak atomic.Int64
	var broke atomic.Bool
	genDone := make(chan struct{})
	seq := func(yield func(int) bool) {
		defer close(genDone)
		for i := 0; ; i++ { // endless
			if !yield(i) {
				return
			}
		}
	}
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		if broke.Load() {
			sendsAfterBreak.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rand.IntN(3)) * time.Millisecond):
		}
		return make([]billbridge.Result[int], len(chunk))
	}
	got := 0
	for range batch.Stream(context.Background(), iter.Seq[int](seq), -1, batch.Options{ChunkSize: 3, Concurrency: 4}, send) {
		got++
		if got == 50 {
			break
		}
	}
	broke.Store(true)
	if n := inFlight.Load(); n != 0 {
		t.Fatalf("%d sends still running after the loop returned", n)
	}
	time.Sleep(20 * time.Millisecond)
	if n := sendsAfterBreak.Load(); n != 0 {
		t.Fatalf("%d sends started after the loop returned", n)
	}
	select {
	case <-genDone:
	default:
		t.Fatal("the input generator was not stopped")
	}
	settleGoroutines(t, base)
}

// Breaking out while sends block until cancelled: Stream cancels them and
// returns.
func TestStreamBreakCancelsBlockedSends(t *testing.T) {
	base := runtime.NumGoroutine()
	var started atomic.Int64
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		if chunk[0].Index == 0 {
			return make([]billbridge.Result[int], len(chunk))
		}
		started.Add(1)
		<-ctx.Done()
		out := make([]billbridge.Result[int], len(chunk))
		for i := range out {
			out[i].Err = ctx.Err()
		}
		return out
	}
	for range batch.Stream(context.Background(), slices.Values(make([]int, 1000)), 1000, batch.Options{ChunkSize: 2, Concurrency: 3}, send) {
		break
	}
	settleGoroutines(t, base)
}

func TestOnProgress(t *testing.T) {
	var got []billbridge.Progress
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		out := make([]billbridge.Result[int], len(chunk))
		for i, it := range chunk {
			if it.Value%2 == 1 {
				out[i].Err = errors.New("odd")
			}
		}
		return out
	}
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	res := batch.Run(context.Background(), items, batch.Options{ChunkSize: 3, Concurrency: 2, OnProgress: func(p billbridge.Progress) { got = append(got, p) }}, send)
	want := []billbridge.Progress{{Done: 3, Failed: 1, Total: 10}, {Done: 6, Failed: 3, Total: 10}, {Done: 9, Failed: 4, Total: 10}, {Done: 10, Failed: 5, Total: 10}}
	if !slices.Equal(got, want) || len(res) != 10 {
		t.Fatalf("progress = %+v, want %+v", got, want)
	}
	got = nil
	for range batch.Stream(context.Background(), slices.Values(items), -1, batch.Options{ChunkSize: 4, OnProgress: func(p billbridge.Progress) { got = append(got, p) }}, send) {
	}
	want = []billbridge.Progress{{Done: 4, Failed: 2, Total: -1}, {Done: 8, Failed: 4, Total: -1}, {Done: 10, Failed: 5, Total: -1}}
	if !slices.Equal(got, want) {
		t.Fatalf("stream progress = %+v, want %+v", got, want)
	}
}

// An endless input used to keep yielding ErrNotSent results after a cancel
// (1.7M in 5 s), and a blocked input hung the loop: after the cancel, no
// more input is read and the iteration ends.
func TestCancelStopsReadingTheStream(t *testing.T) {
	echo := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		out := make([]billbridge.Result[int], len(chunk))
		for i, it := range chunk {
			out[i].Value = it.Value
		}
		return out
	}
	t.Run("endless", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		endless := func(yield func(int) bool) {
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
			}
		}
		n := 0
		for r := range batch.Stream(ctx, endless, -1, batch.Options{ChunkSize: 10, Concurrency: 2}, echo) {
			n++
			if n == 100 {
				cancel()
			}
			if n > 10_000 {
				t.Fatalf("still yielding after the cancel: %d results, last %v", n, r.Err)
			}
		}
	})
	t.Run("blocked", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		release := make(chan struct{})
		defer close(release)
		blocked := func(yield func(int) bool) {
			for i := range 5 {
				if !yield(i) {
					return
				}
			}
			<-release // the next item never comes
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		done := make(chan []billbridge.Result[int])
		go func() {
			var rs []billbridge.Result[int]
			for r := range batch.Stream(ctx, blocked, -1, batch.Options{ChunkSize: 10, Concurrency: 1}, echo) {
				rs = append(rs, r)
			}
			done <- rs
		}()
		select {
		case rs := <-done:
			// The five items read were never sent (their chunk never
			// filled): each ends as not sent.
			if len(rs) != 5 {
				t.Fatalf("%d results, want 5", len(rs))
			}
			for i, r := range rs {
				if r.Index != i || !errors.Is(r.Err, billbridge.ErrNotSent) {
					t.Errorf("result %d: %+v", i, r)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked input hangs the iteration after the cancel")
		}
	})
}

// StreamKinds fills chunks per kind, so every request holds one kind and is
// full except the last of each kind; results still come in input order, and
// a rare kind does not hold the others' results without bound.
func TestStreamKinds(t *testing.T) {
	const n, size, conc = 1000, 10, 2
	var mu sync.Mutex
	var chunks [][]int
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		out := make([]billbridge.Result[int], len(chunk))
		var vs []int
		for i, it := range chunk {
			out[i].Value = it.Value
			vs = append(vs, it.Value)
		}
		mu.Lock()
		chunks = append(chunks, vs)
		mu.Unlock()
		return out
	}
	rare := func(v int) int {
		if v%50 == 0 {
			return 1
		}
		return 0
	}
	var produced atomic.Int64
	seq := func(yield func(int) bool) {
		for i := range n {
			produced.Add(1)
			if !yield(i) {
				return
			}
		}
	}
	next, worst := 0, int64(0)
	for r := range batch.StreamKinds(context.Background(), seq, n, batch.Options{ChunkSize: size, Concurrency: conc}, rare, send) {
		if r.Index != next || r.Value != next || r.Err != nil {
			t.Fatalf("result %d = %+v", next, r)
		}
		next++
		worst = max(worst, produced.Load()-int64(next))
	}
	if next != n {
		t.Fatalf("%d results for %d items", next, n)
	}
	short := map[int]int{}
	for _, c := range chunks {
		k := rare(c[0])
		for _, v := range c {
			if rare(v) != k {
				t.Fatalf("chunk %v mixes kinds", c)
			}
		}
		if len(c) < size {
			short[k]++
		}
	}
	// The rare kind (20 items) is sent before its chunks fill, when
	// results wait behind it; the common kind's chunks are full but for
	// those cut by a rare flush never.
	if short[0] > 1 {
		t.Errorf("%d short chunks of the common kind", short[0])
	}
	if bound := int64((2*conc + 3) * size); worst > bound {
		t.Errorf("up to %d items held at once, bound %d", worst, bound)
	}
}

// A panic in the loop body propagates, and before it does the chunks in
// flight are cancelled and waited for and the workers and the reader end.
func TestStreamPanicInLoopBodyLeavesNothingRunning(t *testing.T) {
	base := runtime.NumGoroutine()
	var running atomic.Int64
	send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		running.Add(1)
		defer running.Add(-1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rand.IntN(5)) * time.Millisecond):
		}
		return make([]billbridge.Result[int], len(chunk))
	}
	for _, conc := range []int{1, 4} {
		for _, seq := range []iter.Seq[int]{slices.Values(make([]int, 1000)), nil} {
			func() {
				defer func() {
					if recover() == nil {
						t.Fatal("the panic did not propagate")
					}
				}()
				n := 0
				opts := batch.Options{ChunkSize: 3, Concurrency: conc}
				if seq == nil {
					// RunKinds over a slice has no loop body; a panicking
					// kind stands in for it.
					batch.RunKinds(context.Background(), make([]int, 1000), opts, func(int) int {
						if n++; n == 40 {
							panic("kind")
						}
						return n % 2
					}, send)
					return
				}
				for range batch.Stream(context.Background(), seq, -1, opts, send) {
					if n++; n == 10 {
						panic("body")
					}
				}
			}()
			if r := running.Load(); r != 0 {
				t.Fatalf("conc %d: %d sends still running after the panic left the loop", conc, r)
			}
		}
	}
	settleGoroutines(t, base)
}

// TestInvariantsUnderRandomRuns drives Run, RunKinds and StreamKinds with
// random sizes, kinds (a rare one among them), concurrency, cancels and
// breaks: every result comes once, in order; no item is sent twice; a sent
// item has its own result and an item never sent wraps ErrNotSent; no more
// SendFunc calls run at once than Concurrency (+1 above 1).
func TestInvariantsUnderRandomRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for range 150 {
		n, size, conc := r.IntN(250), 1+r.IntN(12), 1+r.IntN(5)
		kinds, rare, useSeq := 1+r.IntN(4), r.IntN(2) == 0, r.IntN(2) == 0
		cancelAt, breakAt := -1, -1
		if r.IntN(3) == 0 {
			cancelAt = r.IntN(n + 1)
		}
		if useSeq && r.IntN(4) == 0 {
			breakAt = r.IntN(n + 1)
		}
		name := fmt.Sprintf("n=%d size=%d conc=%d kinds=%d rare=%v cancel=%d break=%d seq=%v", n, size, conc, kinds, rare, cancelAt, breakAt, useSeq)
		kind := func(v int) int {
			if rare {
				return map[bool]int{true: 1, false: 0}[v%37 == 0]
			}
			return v % kinds
		}
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		sent := map[int]int{}
		var calls, running, peak atomic.Int64
		send := func(ctx context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
			c := running.Add(1)
			defer running.Add(-1)
			for m := peak.Load(); c > m && !peak.CompareAndSwap(m, c); m = peak.Load() {
			}
			mu.Lock()
			for _, it := range chunk {
				sent[it.Index]++
				if it.Value != it.Index || kind(it.Value) != kind(chunk[0].Value) || len(chunk) > size {
					t.Errorf("%s: item %+v in chunk of %d starting %+v", name, it, len(chunk), chunk[0])
				}
			}
			mu.Unlock()
			if cancelAt >= 0 && calls.Add(1) == int64(cancelAt/size+1) {
				cancel()
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			out := make([]billbridge.Result[int], len(chunk))
			for i, it := range chunk {
				out[i].Value = it.Value * 2
			}
			return out
		}
		items := make([]int, n)
		for i := range items {
			items[i] = i
		}
		var res []billbridge.Result[int]
		opts := batch.Options{ChunkSize: size, Concurrency: conc}
		if useSeq {
			for x := range batch.StreamKinds(ctx, slices.Values(items), n, opts, kind, send) {
				if len(res) == breakAt {
					break
				}
				res = append(res, x)
			}
		} else {
			res = batch.RunKinds(ctx, items, opts, kind, send)
		}
		cancel()
		if running.Load() != 0 {
			t.Fatalf("%s: sends still running after the call returned", name)
		}
		if limit := int64(conc + min(conc-1, 1)); peak.Load() > limit {
			t.Fatalf("%s: %d sends at once", name, peak.Load())
		}
		if len(res) != n && (!useSeq || breakAt < 0 && cancelAt < 0) {
			t.Fatalf("%s: %d results for %d items", name, len(res), n)
		}
		for i, x := range res {
			switch {
			case x.Index != i:
				t.Fatalf("%s: result %d has index %d", name, i, x.Index)
			case sent[i] > 1:
				t.Fatalf("%s: item %d sent %d times", name, i, sent[i])
			case sent[i] == 1 && (x.Err != nil || x.Value != 2*i):
				t.Fatalf("%s: item %d was sent, result %+v", name, i, x)
			case sent[i] == 0 && !errors.Is(x.Err, billbridge.ErrNotSent):
				t.Fatalf("%s: item %d was never sent, result %+v", name, i, x)
			}
		}
	}
}

// TestShapeSplitCutsChunks: Split cuts a chunk before the item that would
// break a limit other than the count (here a weight of 10 per chunk), by
// kind, for the slice and the stream forms alike; results stay in order.
func TestShapeSplitCutsChunks(t *testing.T) {
	weights := []int{4, 4, 4, 9, 1, 1, 1, 1, 1, 1, 1, 1, 5, 5, 5}
	shape := batch.Shape[int]{
		Kind: func(w int) int { return w % 2 }, // odd and even weights apart
		Split: func(chunk []batch.Item[int], next int) bool {
			sum := next
			for _, it := range chunk {
				sum += it.Value
			}
			return sum > 10
		},
	}
	var mu sync.Mutex
	var chunks [][]int
	send := func(_ context.Context, chunk []batch.Item[int]) []billbridge.Result[int] {
		out := make([]billbridge.Result[int], len(chunk))
		var ws []int
		for i, it := range chunk {
			out[i].Value = it.Value
			ws = append(ws, it.Value)
		}
		mu.Lock()
		chunks = append(chunks, ws)
		mu.Unlock()
		return out
	}
	check := func(name string, rs []billbridge.Result[int]) {
		t.Helper()
		if len(rs) != len(weights) {
			t.Fatalf("%s: %d results", name, len(rs))
		}
		for i, r := range rs {
			if r.Index != i || r.Value != weights[i] {
				t.Errorf("%s: result %d is %+v", name, i, r)
			}
		}
		for _, c := range chunks {
			sum := 0
			for _, w := range c {
				sum += w
			}
			if sum > 10 || len(c) > 4 {
				t.Errorf("%s: chunk %v over the weight or the count", name, c)
			}
		}
		chunks = nil
	}
	opts := batch.Options{ChunkSize: 4, Concurrency: 2}
	check("slice", batch.RunShaped(context.Background(), weights, opts, shape, send))
	var rs []billbridge.Result[int]
	for r := range batch.StreamShaped(context.Background(), slices.Values(weights), -1, opts, shape, send) {
		rs = append(rs, r)
	}
	check("stream", rs)
}
