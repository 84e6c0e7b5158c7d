package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/transport"
)

// entity is a stored record of the test provider; req its request.
type entity struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

type req struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// account is a provider in memory that counts its requests.
type account struct {
	stored          []entity
	pageSize        int
	pages, lookups  int
	creates, update int
}

func (a *account) keyed(t *testing.T) *Keyed[req, entity, entity] {
	e, err := New(Provider{Name: "test", BaseURL: "https://example.test"}, &config.Client{}, nil, "none")
	if err != nil {
		t.Fatal(err)
	}
	return &Keyed[req, entity, entity]{
		Engine: e, Op: "create", KeyName: "key", Entity: "entity",
		Compare: NewComparer(nil, Rules{}),
		ID:      func(x entity) string { return x.ID },
		Value:   func(x entity) entity { return x },
		Pages: func() PageFunc[entity] {
			return Walk(0, func(_ context.Context, at int) (Page[entity, int], error) {
				a.pages++
				end := min(at+a.pageSize, len(a.stored))
				return Page[entity, int]{Items: slices.Clone(a.stored[at:end]), Next: end, Last: end == len(a.stored)}, nil
			})
		},
		Lookup: func(_ context.Context, key func(req) string, stored func(entity) string, items []req) (map[string][]entity, int, error) {
			found := map[string][]entity{}
			for chunk := range slices.Chunk(items, 25) {
				a.lookups++
				for _, it := range chunk {
					found[key(it)] = nil
					for _, x := range a.stored {
						if stored(x) == key(it) {
							found[key(it)] = append(found[key(it)], x)
						}
					}
				}
			}
			return found, 0, nil
		},
		PerRequest: 25,
		Create: func(_ context.Context, items []req, res []billbridge.Result[entity]) {
			a.creates++
			for i, it := range items {
				x := entity{ID: fmt.Sprintf("e%d", len(a.stored)), Key: it.Key, Name: it.Name}
				a.stored = append(a.stored, x)
				res[i].ID, res[i].Value, res[i].Status = x.ID, x, http.StatusCreated
			}
		},
		Update: func(_ context.Context, found []entity, items []req, _ [][]billbridge.Change, res []billbridge.Result[entity]) {
			a.update++
			for i := range items {
				for j := range a.stored {
					if a.stored[j].ID == found[i].ID {
						a.stored[j].Name = items[i].Name
						res[i].Value = a.stored[j]
					}
				}
			}
		},
		Rounds: 3,
	}
}

func seeded(n, pageSize int) *account {
	a := &account{pageSize: pageSize}
	for i := range n {
		a.stored = append(a.stored, entity{ID: fmt.Sprintf("e%d", i), Key: fmt.Sprintf("k%d", i), Name: "N"})
	}
	return a
}

func write(t *testing.T, a *account, items []req, expected int, mode billbridge.Mode) []billbridge.Result[entity] {
	t.Helper()
	k := a.keyed(t)
	ctx := k.Engine.Context(context.Background(), nil)
	if mode != billbridge.ModeCreate {
		ctx = contextWithMode(ctx, mode)
	}
	kc := k.Begin(ctx, func(it req) string { return it.Key }, func(x entity) string { return x.Key }, expected)
	for range kc.Unique(slices.Values(items)) {
	}
	res := make([]billbridge.Result[entity], len(items))
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	for start := 0; start < len(items); start += 25 { // chunks of 25, as a batch call sends them
		end := min(start+25, len(items))
		kc.Write(ctx, idx[start:end], items[start:end], res[start:end])
	}
	return res
}

func reqs(from, to int, name string) []req {
	var out []req
	for i := from; i < to; i++ {
		out = append(out, req{Key: fmt.Sprintf("k%d", i), Name: name})
	}
	return out
}

// The lookup rule, in requests: pages while they cost no more than the
// lookups they replace.
func TestReconcileLookupCost(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		stored, from, items, total int // total: the expected count given, 0 for a stream
		pages, lookups             int
	}{
		{"empty account", 0, 0, 100, 100, 1, 0},
		{"re-run of many", 1000, 0, 1000, 1000, 10, 0},
		// 2 pages (the budget) that do not hold the keys, then by key.
		{"few keys, big account", 1000, 950, 50, 50, 2, 2},
		// Keys on the pages walked are found there.
		{"few keys on the first page", 1000, 0, 50, 50, 2, 0},
		{"one item", 1000, 999, 1, 1, 0, 1}, // a single lookup, no walk
		// The budget grows by a page per chunk of 25 keys: 1 (by key),
		// then 2, 3, 4 pages, each chunk's keys looked up too.
		{"stream, big account", 1000, 900, 100, 0, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := seeded(tc.stored, 100)
			res := write(t, a, reqs(tc.from, tc.from+tc.items, "N"), tc.total, billbridge.ModeCreate)
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("req %d: %v", i, r.Err)
				}
			}
			if a.pages != tc.pages || a.lookups != tc.lookups {
				t.Errorf("%d pages, %d lookups; want %d and %d", a.pages, a.lookups, tc.pages, tc.lookups)
			}
			if want := max(tc.stored, tc.from+tc.items); len(a.stored) != want {
				t.Errorf("%d stored, want %d (nothing created twice)", len(a.stored), want)
			}
		})
	}
}

// The outcomes of each mode, and a repeated key refused in place.
func TestReconcileModes(t *testing.T) {
	in := append(reqs(0, 3, "N"), req{Key: "k1", Name: "Other"}, req{Key: "k9", Name: "New"})
	in[2].Name = "Changed"
	for _, tc := range []struct {
		mode billbridge.Mode
		want []billbridge.Outcome
	}{
		{billbridge.ModeCreate, []billbridge.Outcome{billbridge.Unchanged, billbridge.Unchanged, billbridge.Conflict, "", billbridge.Created}},
		{billbridge.ModeUpsert, []billbridge.Outcome{billbridge.Unchanged, billbridge.Unchanged, billbridge.Updated, "", billbridge.Created}},
		{billbridge.ModePlan, []billbridge.Outcome{billbridge.Unchanged, billbridge.Unchanged, billbridge.Updated, "", billbridge.Created}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			a := seeded(5, 100)
			res := write(t, a, in, len(in), tc.mode)
			for i, r := range res {
				if r.Outcome != tc.want[i] || r.Planned != (tc.mode == billbridge.ModePlan && r.Outcome != "") {
					t.Errorf("req %d: %+v, want %s", i, r, tc.want[i])
				}
			}
			var ve *billbridge.ValidationError
			if !errors.As(res[3].Err, &ve) || ve.Field != "key" || ve.Index != 3 {
				t.Errorf("repeated key: %v", res[3].Err)
			}
			if tc.mode == billbridge.ModeCreate && (!errors.Is(res[2].Err, billbridge.ErrConflict) || res[2].Changes[0].Field != "name") {
				t.Errorf("conflict: %+v", res[2])
			}
			wantStored, wantName := 6, "Changed"
			switch tc.mode {
			case billbridge.ModePlan:
				wantStored, wantName = 5, "N"
			case billbridge.ModeCreate:
				wantName = "N"
			}
			if len(a.stored) != wantStored || a.stored[2].Name != wantName {
				t.Errorf("stored %d, req 2 named %q; want %d and %q", len(a.stored), a.stored[2].Name, wantStored, wantName)
			}
		})
	}
}

// contextWithMode is ctx asking for mode, as option.WithMode does.
func contextWithMode(ctx context.Context, mode billbridge.Mode) context.Context {
	return transport.WithRequest(ctx, &config.Request{Mode: mode, ModeSet: true})
}

// TestReconcileResendsRefusedBeforeActing: an item the provider refused
// before acting (a sub-request answered 429, billbridge.ErrNotSent) is sent
// again in the next round, with a natural key or without one, and created
// once.
func TestReconcileResendsRefusedBeforeActing(t *testing.T) {
	a := seeded(0, 10)
	k := a.keyed(t)
	create := k.Create
	refusals := 0
	k.Create = func(ctx context.Context, items []req, res []billbridge.Result[entity]) {
		if refusals == 0 {
			refusals++
			for i := range items {
				res[i].Err, res[i].Status = k.Engine.Refused("create", http.StatusTooManyRequests, "", "slow down", ""), http.StatusTooManyRequests
			}
			return
		}
		create(ctx, items, res)
	}
	items := []req{{Key: "k1", Name: "keyed"}, {Name: "keyless"}}
	ctx := k.Engine.Context(context.Background(), nil)
	kc := k.Begin(ctx, func(it req) string { return it.Key }, func(x entity) string { return x.Key }, len(items))
	for range kc.Unique(slices.Values(items)) {
	}
	res := make([]billbridge.Result[entity], len(items))
	kc.Write(ctx, []int{0, 1}, items, res)
	for i, r := range res {
		if r.Err != nil || r.ID == "" {
			t.Errorf("item %d (%s): %+v, want created in the second round", i, items[i].Name, r)
		}
	}
	if len(a.stored) != 2 || a.creates != 1 {
		t.Errorf("%d stored in %d successful creates, want 2 in 1", len(a.stored), a.creates)
	}
}
