package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge/internal/engine"
)

// fetchInts serves pages of 3 from 0..n-1, by offset; fail makes the page
// at that offset fail.
func fetchInts(n, fail int, calls *int) engine.FetchPage[int, int] {
	return func(ctx context.Context, off int) (engine.Page[int, int], error) {
		*calls++
		if off == fail {
			return engine.Page[int, int]{}, errors.New("page failed")
		}
		var p engine.Page[int, int]
		for i := off; i < min(off+3, n); i++ {
			p.Items = append(p.Items, i)
		}
		p.Next, p.Last = off+3, off+3 >= n
		return p, nil
	}
}

func TestPagesWalksEveryPageOnce(t *testing.T) {
	calls := 0
	var got []int
	for v, err := range engine.Pages(context.Background(), 0, fetchInts(8, -1, &calls)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if len(got) != 8 || got[7] != 7 || calls != 3 {
		t.Fatalf("got %v in %d calls", got, calls)
	}
}

func TestPagesStops(t *testing.T) {
	t.Run("break", func(t *testing.T) {
		calls := 0
		for range engine.Pages(context.Background(), 0, fetchInts(100, -1, &calls)) {
			break
		}
		if calls != 1 {
			t.Fatalf("%d page requests after a break on the first item", calls)
		}
	})
	t.Run("failed page", func(t *testing.T) {
		calls, n, errs := 0, 0, 0
		for _, err := range engine.Pages(context.Background(), 0, fetchInts(100, 3, &calls)) {
			if err != nil {
				errs++
				continue
			}
			n++
		}
		if n != 3 || errs != 1 || calls != 2 {
			t.Fatalf("%d items, %d errors, %d calls", n, errs, calls)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls, n := 0, 0
		var last error
		for _, err := range engine.Pages(ctx, 0, fetchInts(100, -1, &calls)) {
			if err != nil {
				last = err
				continue
			}
			if n++; n == 2 {
				cancel()
			}
		}
		if !errors.Is(last, context.Canceled) || calls != 1 || n != 2 {
			t.Fatalf("%d items, %d calls, last error %v", n, calls, last)
		}
	})
}

func TestDistinct(t *testing.T) {
	in := func(yield func(string, error) bool) {
		for _, v := range []string{"a", "b", "a", "", "", "c", "b"} {
			if !yield(v, nil) {
				return
			}
		}
		yield("", errors.New("page failed"))
	}
	var got []string
	var errs int
	for v, err := range engine.Distinct(in, func(s string) string { return s }) {
		if err != nil {
			errs++
			continue
		}
		got = append(got, v)
	}
	if fmt.Sprint(got) != "[a b   c]" || errs != 1 {
		t.Fatalf("got %q, %d errors; want each key once (empty keys kept) and the error", got, errs)
	}
}
