package batch

import (
	"math/rand/v2"
	"testing"

	"github.com/billbridge/billbridge"
)

// TestWindowYieldsInOrder: results put in any order, in runs of any size,
// leave in index order, each once, and a drained window reuses its slice.
func TestWindowYieldsInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, run = 10_000, 7
	order := r.Perm(n / run)
	var w window[int]
	next := 0
	for _, c := range order {
		var rs []billbridge.Result[int]
		for i := c * run; i < (c+1)*run; i++ {
			rs = append(rs, billbridge.Result[int]{Index: i, Value: i * 3})
		}
		w.put(rs)
		for {
			got, ok := w.pop()
			if !ok {
				break
			}
			if got.Index != next || got.Value != next*3 {
				t.Fatalf("popped %+v, want index %d", got, next)
			}
			next++
		}
		if w.count != len(w.slots)-w.head-holes(w) {
			t.Fatalf("count %d does not match the slots held", w.count)
		}
	}
	if next != n/run*run || w.count != 0 {
		t.Fatalf("%d popped of %d, %d still held", next, n/run*run, w.count)
	}
	// A steady stream of in-order runs reuses one array: no allocation per
	// result (a map, or a slice resliced from the front, would allocate).
	var array *slot[int]
	for k := range 100 {
		rs := make([]billbridge.Result[int], run)
		for i := range rs {
			rs[i].Index = w.next + i
		}
		w.put(rs)
		if k == 0 {
			array = &w.slots[:1][0]
		} else if &w.slots[:1][0] != array {
			t.Fatalf("run %d: the window moved to a new array", k)
		}
		for range run {
			if _, ok := w.pop(); !ok {
				t.Fatal("missing result")
			}
		}
	}
}

func holes[Out any](w window[Out]) int {
	n := 0
	for _, s := range w.slots[w.head:] {
		if !s.ok {
			n++
		}
	}
	return n
}

// TestWindowSparseRuns: chunks of any size holding indexes of one kind
// (not consecutive), put in any order, with pops in between that stop at
// the first gap: each result leaves once, in order, and count stays exact.
func TestWindowSparseRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		n := r.IntN(400)
		perm := r.Perm(n)
		var w window[int]
		next := 0
		for len(perm) > 0 {
			k := 1 + r.IntN(min(len(perm), 9))
			var rs []billbridge.Result[int]
			for _, i := range perm[:k] {
				rs = append(rs, billbridge.Result[int]{Index: i, Value: -i})
			}
			perm = perm[k:]
			w.put(rs)
			for p := r.IntN(20); p > 0; p-- {
				got, ok := w.pop()
				if !ok {
					break
				}
				if got.Index != next || got.Value != -next {
					t.Fatalf("popped %+v, want index %d", got, next)
				}
				next++
			}
			if w.count != len(w.slots)-w.head-holes(w) {
				t.Fatalf("count %d does not match the slots held", w.count)
			}
		}
		for {
			got, ok := w.pop()
			if !ok {
				break
			}
			if got.Index != next {
				t.Fatalf("popped %+v, want index %d", got, next)
			}
			next++
		}
		if next != n || w.count != 0 {
			t.Fatalf("%d of %d popped, %d still held", next, n, w.count)
		}
	}
}
