package chargeover_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
	"github.com/billbridge/billbridge/pkg/webhook/chargeover"
)

const secret = "SFkJ3fy02n17YxNXm96tCGUKVTOAIBsH"

func payload(token string) string {
	return `{"context_str":"customer","context_id":413,"event":"update","data":{"customer":{"customer_id":413,"company":"Acme","mod_datetime":"2025-10-05 17:51:22","new_field":true}},"security_token":"` + token + `"}`
}

func header(key string) http.Header {
	h := http.Header{}
	if key != "" {
		h.Set(chargeover.Header, key)
	}
	return h
}

func TestVerify(t *testing.T) {
	v, err := chargeover.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, key, body string
		want            error
	}{
		{"good", secret, payload(secret), nil},
		{"header wrong", "nope", payload(secret), webhook.ErrSignature},
		{"token wrong", secret, payload("nope"), webhook.ErrSignature},
		{"token differs from header (both plausible)", secret, payload(secret + "x"), webhook.ErrSignature},
		{"both wrong but equal", "guess", payload("guess"), webhook.ErrSignature},
		{"prefix of the secret", secret[:10], payload(secret[:10]), webhook.ErrSignature},
		{"no header", "", payload(secret), webhook.ErrUnsigned},
		{"no token", secret, `{"context_str":"customer","event":"update"}`, webhook.ErrUnsigned},
		{"token not a string", secret, `{"security_token":1}`, webhook.ErrMalformed},
		{"not JSON", secret, `security_token=` + secret, webhook.ErrMalformed},
	} {
		err := v.Verify(header(tc.key), []byte(tc.body), time.Time{})
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "nope") || strings.Contains(err.Error(), "guess")) {
			t.Errorf("%s: the error quotes a credential: %v", tc.name, err)
		}
	}
	if _, err := chargeover.New(""); err == nil {
		t.Fatal("empty secret accepted")
	}
}

func TestDecode(t *testing.T) {
	v, _ := chargeover.New(secret)
	ev, err := v.Decode(nil, []byte(payload(secret)))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ev.Data.(*chargeover.Payload)
	if !ok || ev.Type != "customer.update" || ev.EntityType != "customer" || ev.EntityID != "413" || ev.Action != "update" ||
		!ev.Time.Equal(time.Date(2025, 10, 5, 17, 51, 22, 0, time.UTC)) || !strings.Contains(string(p.Entity()), "new_field") {
		t.Fatalf("%+v", ev)
	}
	if strings.Contains(ev.ID, secret) {
		t.Fatal("the id holds the secret")
	}
	again, _ := v.Decode(nil, []byte(payload(secret)))
	changed, _ := v.Decode(nil, []byte(strings.Replace(payload(secret), "Acme", "Acme Inc", 1)))
	if again.ID != ev.ID || changed.ID == ev.ID {
		t.Fatalf("ids: %s %s %s", ev.ID, again.ID, changed.ID)
	}
	// context_id as a string, an odd data shape: still an event.
	odd := `{"context_str":"invoice","context_id":"9","event":"insert","data":[],"security_token":"x"}`
	ev, err = v.Decode(nil, []byte(odd))
	if err != nil || ev.Type != "invoice.insert" || ev.ID == "" {
		t.Fatalf("%v %+v", err, ev)
	}
}

func TestSignIsVerified(t *testing.T) {
	v, err := chargeover.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	h, body, err := chargeover.Sign(secret, []byte(payload("to be replaced")))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(h, body, time.Now()); err != nil {
		t.Fatalf("a signed delivery is refused: %v", err)
	}
	if h, body, _ := chargeover.Sign("another secret", []byte(payload(""))); v.Verify(h, body, time.Now()) == nil {
		t.Fatal("a delivery signed with another secret is accepted")
	}
	if _, _, err := chargeover.Sign(secret, []byte(`[1]`)); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("a body that is not an object: %v", err)
	}
}
