package meteroid_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
	"github.com/billbridge/billbridge/pkg/webhook/meteroid"
)

var (
	secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a 32-byte key for the tests ....."))
	other  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key, held by an attacker"))
	now    = time.Unix(1_767_000_000, 0)
)

const invoicePaid = `{"id":"evt_1","type":"invoice.paid","invoice_id":"inv_1","customer_id":"cus_1","status":"PAID","currency":"EUR","total":10000,"tax_amount":2000,"created_at":"2026-01-01T00:00:00Z","timestamp":"2026-01-02T03:04:05.000Z","added_later":{"x":1}}`

func sign(t *testing.T, key, id string, at time.Time, body string) http.Header {
	t.Helper()
	h, err := meteroid.Sign(key, id, at, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestVerify(t *testing.T) {
	v, err := meteroid.New(secret, meteroid.WithTolerance(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, secret, "msg_1", now, invoicePaid)
	rotated := good.Clone() // two signatures while a secret rotates: one match suffices
	rotated.Set(meteroid.HeaderSignature, sign(t, other, "msg_1", now, invoicePaid).Get(meteroid.HeaderSignature)+" "+good.Get(meteroid.HeaderSignature))
	otherID := good.Clone()
	otherID.Set(meteroid.HeaderID, "msg_2")
	noSig := good.Clone()
	noSig.Del(meteroid.HeaderSignature)
	badTS := good.Clone()
	badTS.Set(meteroid.HeaderTimestamp, "yesterday")
	for _, tc := range []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		want error
	}{
		{"good", good, invoicePaid, now, nil},
		{"rotated", rotated, invoicePaid, now, nil},
		{"within tolerance", good, invoicePaid, now.Add(119 * time.Second), nil},
		{"wrong secret", sign(t, other, "msg_1", now, invoicePaid), invoicePaid, now, webhook.ErrSignature},
		{"body changed", good, strings.Replace(invoicePaid, "10000", "1", 1), now, webhook.ErrSignature},
		{"id changed", otherID, invoicePaid, now, webhook.ErrSignature},
		{"stale", good, invoicePaid, now.Add(3 * time.Minute), webhook.ErrTimestamp},
		{"future", good, invoicePaid, now.Add(-3 * time.Minute), webhook.ErrTimestamp},
		{"no signature", noSig, invoicePaid, now, webhook.ErrUnsigned},
		{"bad timestamp", badTS, invoicePaid, now, webhook.ErrMalformed},
	} {
		err := v.Verify(tc.h, []byte(tc.body), tc.now)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(secret, "whsec_")) {
			t.Errorf("%s: the error holds the secret", tc.name)
		}
	}
}

func TestNewRefusesBadSecrets(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := meteroid.New(s); err == nil {
			t.Errorf("%q accepted", s)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error holds the secret: %v", err)
		}
	}
}

func TestDecodeTyped(t *testing.T) {
	v, _ := meteroid.New(secret)
	h := http.Header{}
	h.Set(meteroid.HeaderID, "msg_1")
	ev, err := v.Decode(h, []byte(invoicePaid))
	if err != nil {
		t.Fatal(err)
	}
	inv, ok := ev.Data.(*meteroid.InvoiceEvent)
	if !ok {
		t.Fatalf("data %T", ev.Data)
	}
	if ev.ID != "msg_1" || ev.Type != "invoice.paid" || ev.EntityType != "invoice" || ev.EntityID != "inv_1" || ev.Action != "paid" ||
		!ev.Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || inv.Total != 10000 || inv.ID != "evt_1" || inv.Status != "PAID" {
		t.Fatalf("%+v %+v", ev, inv)
	}
	if !strings.Contains(string(ev.Raw), "added_later") {
		t.Fatal("unknown field lost from Raw")
	}

	for body, want := range map[string]any{
		`{"id":"evt_2","type":"customer.created","customer_id":"cus_1","name":"Acme","invoicing_emails":["a@b.c"],"currency":"USD","timestamp":"2026-01-02T03:04:05Z"}`:                                                                                                                                                                                             &meteroid.CustomerEvent{},
		`{"id":"evt_3","type":"subscription.created","subscription_id":"sub_1","customer_id":"cus_1","customer_name":"Acme","billing_day_anchor":1,"currency":"EUR","start_date":"2026-01-01","plan_name":"p","version":0,"created_at":"2026-01-01T00:00:00Z","net_terms":0,"mrr_cents":0,"period":"MONTHLY","status":"ACTIVE","timestamp":"2026-01-02T03:04:05Z"}`: &meteroid.SubscriptionEvent{},
	} {
		ev, err := v.Decode(h, []byte(body))
		if err != nil || ev.EntityID == "" {
			t.Fatalf("%s: %v %+v", body, err, ev)
		}
		switch want.(type) {
		case *meteroid.CustomerEvent:
			if c, ok := ev.Data.(*meteroid.CustomerEvent); !ok || c.Name != "Acme" {
				t.Fatalf("customer: %+v", ev.Data)
			}
		case *meteroid.SubscriptionEvent:
			if s, ok := ev.Data.(*meteroid.SubscriptionEvent); !ok || s.Period != "MONTHLY" {
				t.Fatalf("subscription: %+v", ev.Data)
			}
		}
	}
}

func TestDecodeUntypedAndUnknown(t *testing.T) {
	v, _ := meteroid.New(secret)
	for _, typ := range append(append([]string{}, meteroid.Types...), "refund.created") {
		body := `{"id":"evt_1","type":"` + typ + `","timestamp":"2026-01-02T03:04:05Z","whatever":[1,2]}`
		ev, err := v.Decode(http.Header{}, []byte(body))
		if err != nil || ev.Type != typ || string(ev.Raw) != body {
			t.Fatalf("%s: %v %+v", typ, err, ev)
		}
	}
	// A known type whose field does not fit the schema stays an event, untyped.
	ev, err := v.Decode(http.Header{}, []byte(`{"type":"invoice.paid","total":"a lot"}`))
	if err != nil || ev.Data != nil || ev.Type != "invoice.paid" {
		t.Fatalf("%v %+v", err, ev)
	}
	if _, err := v.Decode(http.Header{}, []byte(`[1]`)); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("array body: %v", err)
	}
}

// The 27 types of the vendor's OpenAPI webhooks section.
func TestTypesCount(t *testing.T) {
	seen := map[string]bool{}
	for _, typ := range meteroid.Types {
		seen[typ] = true
	}
	if len(meteroid.Types) != 27 || len(seen) != 27 {
		t.Fatalf("%d types, %d distinct", len(meteroid.Types), len(seen))
	}

}
