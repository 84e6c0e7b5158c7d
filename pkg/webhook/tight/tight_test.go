package tight_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/billbridge/billbridge/pkg/webhook"
	"github.com/billbridge/billbridge/pkg/webhook/tight"
)

const secret = "tight-webhook-secret-for-tests"

var now = time.Unix(1_767_000_000, 0)

const lifecycle = `{"editor":{"userId":"u_1"},"company":{"id":"co_1234"},"type":"LIFECYCLE","event":"bankAccountCreated","datetime":"2025-04-01T11:31:04.1Z","eventData":{"entityId":"ba_1","apiName":"PLAID","type":"DEPOSITORY"}}`
const entityUpdate = `{"editor":{"userId":"u_1"},"company":{"id":"co_1234","apiCompanyId":"id_1234"},"type":"ENTITY_UPDATE","url":"/v6/banks/transactions/btn_936723","data":{"id":"btn_936723","type":"REVENUE","amount":15399}}`

func header(tok string) http.Header {
	h := http.Header{}
	h.Set(tight.Header, tok)
	return h
}

func signed(t *testing.T, key string, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := tight.Sign(key, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// none and other algorithms, built by hand or with the library's own
// signing methods: what an attacker would send.
func withAlg(t *testing.T, alg string) string {
	t.Helper()
	claims := jwt.MapClaims{"iat": now.Unix()}
	switch alg {
	case "none":
		tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	case "HS512":
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	t.Fatalf("alg %s", alg)
	return ""
}

// TestVerify: only HS256 with the secret, within its times, passes.
func TestVerify(t *testing.T) {
	v, err := tight.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	good := signed(t, secret, jwt.MapClaims{"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"good", good, nil},
		{"good, Bearer prefix", "Bearer " + good, nil},
		{"no claims at all", signed(t, secret, jwt.MapClaims{}), nil},
		{"iat 20 s ahead (leeway)", signed(t, secret, jwt.MapClaims{"iat": now.Add(20 * time.Second).Unix()}), nil},
		{"missing", "", webhook.ErrUnsigned},
		{"wrong secret", signed(t, "another secret", jwt.MapClaims{"iat": now.Unix()}), webhook.ErrSignature},
		{"signature stripped", parts[0] + "." + parts[1] + ".", webhook.ErrSignature},
		{"payload swapped", parts[0] + "." + strings.Split(signed(t, secret, jwt.MapClaims{"x": 1}), ".")[1] + "." + parts[2], webhook.ErrSignature},
		{"alg none", withAlg(t, "none"), webhook.ErrSignature},
		{"alg HS512 with the right secret", withAlg(t, "HS512"), webhook.ErrSignature},
		{"alg RS256", withAlg(t, "RS256"), webhook.ErrSignature},
		{"not a JWT", "hello", webhook.ErrSignature},
		{"expired", signed(t, secret, jwt.MapClaims{"exp": now.Add(-time.Minute).Unix()}), webhook.ErrTimestamp},
		{"not valid yet", signed(t, secret, jwt.MapClaims{"nbf": now.Add(time.Minute).Unix()}), webhook.ErrTimestamp},
		{"issued in the future", signed(t, secret, jwt.MapClaims{"iat": now.Add(time.Hour).Unix()}), webhook.ErrTimestamp},
	} {
		err := v.Verify(header(tc.tok), []byte(lifecycle), now)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error holds the secret", tc.name)
		}
	}
}

func TestVerifyOptions(t *testing.T) {
	sum := sha256.Sum256([]byte(lifecycle))
	v, _ := tight.New(secret, tight.WithBodyHashClaim("bodySha256"), tight.WithMaxAge(10*time.Minute),
		tight.WithClaimsCheck(func(c jwt.MapClaims, _ []byte) error {
			if c["clientId"] != "cl_1" {
				return errors.New("another partner's token")
			}
			return nil
		}))
	ok := jwt.MapClaims{"iat": now.Unix(), "bodySha256": hex.EncodeToString(sum[:]), "clientId": "cl_1"}
	if err := v.Verify(header(signed(t, secret, ok)), []byte(lifecycle), now); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(header(signed(t, secret, ok)), []byte(entityUpdate), now); !errors.Is(err, webhook.ErrSignature) {
		t.Fatalf("another body under the token: %v", err)
	}
	if err := v.Verify(header(signed(t, secret, ok)), []byte(lifecycle), now.Add(11*time.Minute)); !errors.Is(err, webhook.ErrTimestamp) {
		t.Fatalf("older than max age: %v", err)
	}
	noIat := jwt.MapClaims{"bodySha256": hex.EncodeToString(sum[:]), "clientId": "cl_1"}
	if err := v.Verify(header(signed(t, secret, noIat)), []byte(lifecycle), now); !errors.Is(err, webhook.ErrTimestamp) {
		t.Fatalf("no iat with max age: %v", err)
	}
	other := jwt.MapClaims{"iat": now.Unix(), "bodySha256": hex.EncodeToString(sum[:]), "clientId": "cl_2"}
	if err := v.Verify(header(signed(t, secret, other)), []byte(lifecycle), now); !errors.Is(err, webhook.ErrSignature) {
		t.Fatalf("claims check: %v", err)
	}
	if _, err := tight.New(""); err == nil {
		t.Fatal("empty secret accepted")
	}
}

func TestDecode(t *testing.T) {
	v, _ := tight.New(secret)
	ev, err := v.Decode(nil, []byte(lifecycle))
	if err != nil {
		t.Fatal(err)
	}
	lc, ok := ev.Data.(*tight.Lifecycle)
	if !ok || ev.Type != tight.TypeLifecycle || ev.Action != "bankAccountCreated" || ev.EntityID != "ba_1" ||
		!ev.Time.Equal(time.Date(2025, 4, 1, 11, 31, 4, 100e6, time.UTC)) || lc.Company.ID != "co_1234" || ev.ID == "" {
		t.Fatalf("%+v", ev)
	}
	ev2, _ := v.Decode(nil, []byte(lifecycle))
	if ev2.ID != ev.ID {
		t.Fatal("the same body must derive the same id")
	}

	ev, err = v.Decode(nil, []byte(entityUpdate))
	if err != nil {
		t.Fatal(err)
	}
	eu, ok := ev.Data.(*tight.EntityUpdate)
	if !ok || ev.Type != tight.TypeEntityUpdate || ev.EntityType != "banks/transactions" || ev.EntityID != "btn_936723" || eu.Company.APICompanyID != "id_1234" {
		t.Fatalf("%+v", ev)
	}
	changed, _ := v.Decode(nil, []byte(strings.Replace(entityUpdate, "15399", "15400", 1)))
	if changed.ID == ev.ID {
		t.Fatal("another state of the entity must derive another id")
	}

	unknown := `{"type":"SOMETHING_NEW","x":1}`
	ev, err = v.Decode(nil, []byte(unknown))
	if err != nil || ev.Type != "SOMETHING_NEW" || ev.Data != nil || string(ev.Raw) != unknown || ev.ID == "" {
		t.Fatalf("%v %+v", err, ev)
	}
	if _, err := v.Decode(nil, []byte(`"x"`)); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatal(err)
	}
}
