package engine

import (
	"context"
	"runtime"
	"sync"
	"testing"
)

// A key that joins while a read runs is served by the next read, which
// starts after it joined (the running one may have passed its entity
// before its request failed); the keys waiting together share that read.
func TestCoalesceReadsStartAfterGet(t *testing.T) {
	running := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	var reads []map[string]struct{}
	c := &Coalesce[string, int]{Read: func(_ context.Context, keys map[string]struct{}) (map[string]int, int, error) {
		mu.Lock()
		first := len(reads) == 0
		reads = append(reads, keys)
		mu.Unlock()
		if first {
			close(running)
			<-release
		}
		found := map[string]int{}
		for k := range keys {
			found[k] = len(k)
		}
		return found, 1, nil
	}}
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.Get(ctx, "a") }()
	<-running
	for _, k := range []string{"bb", "ccc"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, ok, n, err := c.Get(ctx, k); !ok || v != len(k) || n != 1 || err != nil {
				t.Errorf("%s: %d %v %d %v", k, v, ok, n, err)
			}
		}()
	}
	// Let both join the next round before the first read ends.
	for {
		c.mu.Lock()
		joined := c.next != nil && len(c.next.keys) == 2
		c.mu.Unlock()
		if joined {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if len(reads) != 2 || len(reads[0]) != 1 || len(reads[1]) != 2 {
		t.Fatalf("reads %v, want [a] then [bb ccc]", reads)
	}
	if _, ok := reads[0]["a"]; !ok {
		t.Fatalf("first read %v", reads[0])
	}
}

// A cancelled caller stops waiting; the round still ends for the others.
func TestCoalesceCancelled(t *testing.T) {
	c := &Coalesce[string, int]{Read: func(context.Context, map[string]struct{}) (map[string]int, int, error) {
		return map[string]int{}, 1, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok, _, err := c.Get(ctx, "a"); ok || err == nil {
		t.Fatalf("cancelled: %v %v", ok, err)
	}
	if _, ok, n, err := c.Get(context.Background(), "b"); ok || err != nil || n != 1 {
		t.Fatalf("after a cancelled round: %v %d %v", ok, n, err)
	}
}
