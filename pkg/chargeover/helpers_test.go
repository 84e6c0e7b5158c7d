package chargeover_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/option"
)

// fastRetries keeps the tests fast: tiny backoffs, Retry-After capped at 50 ms.
var fastRetries = billbridge.RetryPolicy{MaxRetries: 5, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}

// newClient returns a facade client for srv with fast retries and no
// client-side rate limit; opts come last and may override those.
func newClient(t testing.TB, srv *chargeovertest.Server, opts ...option.Option) *chargeover.Client {
	t.Helper()
	base := append(srv.ClientOptions(), option.WithRetryPolicy(fastRetries))
	c, err := chargeover.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// cust is a customer with a unique company name; key "" leaves external_key unset.
func cust(key, company string) chargeover.CustomerCreate {
	c := chargeover.CustomerCreate{Company: company}
	if key != "" {
		c.ExternalKey = &key
	}
	return c
}

// customers returns n customers "<prefix>-i"; every other one (odd i) has
// no external_key when mixed is set.
func customers(prefix string, n int, mixed bool) []chargeover.CustomerCreate {
	out := make([]chargeover.CustomerCreate, n)
	for i := range out {
		name := fmt.Sprintf("%s-%03d", prefix, i)
		if mixed && i%2 == 1 {
			out[i] = cust("", "Company "+name)
		} else {
			out[i] = cust(name, "Company "+name)
		}
	}
	return out
}

// companyCounts counts the fake's customers per company name.
func companyCounts(srv *chargeovertest.Server) map[string]int {
	n := map[string]int{}
	for _, c := range srv.Customers() {
		if c.Company != nil {
			n[*c.Company]++
		}
	}
	return n
}
