package specs_test

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/webhook/meteroid"
)

// xWebhooks reads a spec's top-level x-webhooks: event type → the $ref of
// its post's application/json request body.
func xWebhooks(t *testing.T, provider string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(provider + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XWebhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Ref string `yaml:"$ref"`
						} `yaml:"schema"`
					} `yaml:"content"`
				} `yaml:"requestBody"`
			} `yaml:"post"`
		} `yaml:"x-webhooks"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for typ, item := range doc.XWebhooks {
		out[typ] = item.Post.RequestBody.Content["application/json"].Schema.Ref
	}
	return out
}

// TestWebhookPayloads: every x-webhooks entry names a component schema the
// spec defines; Meteroid's list is the 27 types of its own OpenAPI (when
// ../shared/vendor-specs holds it) and of the WebhookEventType enum; Tight's
// is its WebhookType enum.
func TestWebhookPayloads(t *testing.T) {
	want := map[string]int{"tight": 2, "chargeover": 2, "meteroid": 27}
	for provider, n := range want {
		t.Run(provider, func(t *testing.T) {
			doc := loadSpec(t, provider)
			hooks := xWebhooks(t, provider)
			if len(hooks) != n {
				t.Errorf("x-webhooks has %d entries, want %d", len(hooks), n)
			}
			for typ, ref := range hooks {
				name, ok := strings.CutPrefix(ref, "#/components/schemas/")
				if !ok || doc.Components.Schemas[name] == nil {
					t.Errorf("x-webhooks %s: request body %q is not a component schema", typ, ref)
				}
			}
			enum := map[string]string{"meteroid": "WebhookEventType", "tight": "WebhookType"}[provider]
			if enum == "" {
				return
			}
			var values []string
			for _, v := range doc.Components.Schemas[enum].Value.Enum {
				values = append(values, v.(string))
			}
			if got := sortedKeys(hooks); !reflect.DeepEqual(got, sortedStrings(values)) {
				t.Errorf("x-webhooks keys %v, %s enum %v", got, enum, sortedStrings(values))
			}
		})
	}
	t.Run("meteroid upstream", func(t *testing.T) {
		raw, err := os.ReadFile("../../shared/vendor-specs/meteroid-openapi.json")
		if err != nil {
			t.Skip("Meteroid's OpenAPI not found in ../shared/vendor-specs")
		}
		var up struct {
			Webhooks map[string]struct {
				Post struct {
					RequestBody struct {
						Content map[string]struct {
							Schema struct {
								Ref string `json:"$ref"`
							} `json:"schema"`
						} `json:"content"`
					} `json:"requestBody"`
				} `json:"post"`
			} `json:"webhooks"`
		}
		if err := json.Unmarshal(raw, &up); err != nil {
			t.Fatal(err)
		}
		ours := xWebhooks(t, "meteroid")
		for typ, item := range up.Webhooks {
			theirs := item.Post.RequestBody.Content["application/json"].Schema.Ref
			if ours[typ] != theirs {
				t.Errorf("%s: ours %q, Meteroid's %q", typ, ours[typ], theirs)
			}
		}
		if len(ours) != len(up.Webhooks) {
			t.Errorf("%d types here, %d upstream", len(ours), len(up.Webhooks))
		}
	})
}

// TestMeteroidDelivery: the delivery in testdata/webhooks (also verified by
// the standardwebhooks npm package, `make typescript-webhooks`) is what
// pkg/webhook/meteroid signs, verifies with the same secret, fits the spec's
// CustomerEvent (an unknown field included) and decodes into the generated
// type.
func TestMeteroidDelivery(t *testing.T) {
	var d struct {
		Secret  string            `json:"secret"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	raw, err := os.ReadFile("testdata/webhooks/meteroid-delivery.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(d.Headers["webhook-timestamp"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(sec, 0)
	signed, err := meteroid.Sign(d.Secret, d.Headers["webhook-id"], at, []byte(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := signed.Get("webhook-signature"); got != d.Headers["webhook-signature"] {
		t.Errorf("Go signs %q, the fixture holds %q", got, d.Headers["webhook-signature"])
	}
	h := http.Header{}
	for k, v := range d.Headers {
		h.Set(k, v)
	}
	v, err := meteroid.New(d.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(h, []byte(d.Body), at.Add(time.Minute)); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := v.Verify(h, []byte(strings.Replace(d.Body, "Acme", "Acne", 1)), at); err == nil {
		t.Error("a tampered body verified")
	}

	doc := loadSpec(t, "meteroid")
	var body any
	if err := json.Unmarshal([]byte(d.Body), &body); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["CustomerEvent"].Value.VisitJSON(body); err != nil {
		t.Errorf("the body does not fit CustomerEvent: %v", err)
	}
	var ev meteroidapi.CustomerEvent
	if err := json.Unmarshal([]byte(d.Body), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "customer.created" || ev.CustomerId != "cus_7n42DGM5Tflk9n8mt7Fhc7" || ev.Alias == nil || *ev.Alias != "ACME" || ev.Phone != nil || ev.Timestamp.IsZero() {
		t.Errorf("decoded %+v", ev)
	}
}

// TestWebhookTolerance: unknown types, unknown fields and ChargeOver's string
// ids decode into the generated types.
func TestWebhookTolerance(t *testing.T) {
	var m meteroidapi.AddOnEvent
	if err := json.Unmarshal([]byte(`{"id":"evt_1","type":"addon.renamed","timestamp":"2026-01-01T00:00:00Z","add_on_id":"add_1","fee_type":"WEEKLY_SLOT","brand_new":1}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "addon.renamed" || m.AddOnId != "add_1" || m.FeeType == nil || *m.FeeType != "WEEKLY_SLOT" {
		t.Errorf("meteroid: %+v", m)
	}
	var l tightapi.LifecycleWebhook
	if err := json.Unmarshal([]byte(`{"type":"LIFECYCLE","event":"somethingNew","datetime":"2025-04-01T11:31:04.1Z","eventData":{"entityId":"x","apiName":"PLAID"},"extra":1}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.EventData == nil || l.EventData.EntityId == nil || *l.EventData.EntityId != "x" || l.EventData.AdditionalProperties["apiName"] != "PLAID" {
		t.Errorf("tight: %+v", l)
	}
	for _, id := range []string{`370`, `"370"`} {
		var c chargeoverapi.WebhookPayload
		if err := json.Unmarshal([]byte(`{"context_str":"user","context_id":`+id+`,"event":"insert","data":{"user":{"user_id":370}},"security_token":"s"}`), &c); err != nil {
			t.Fatalf("chargeover %s: %v", id, err)
		}
		if c.ContextId.String() != "370" || c.Data["user"] == nil {
			t.Errorf("chargeover %s: %+v", id, c)
		}
	}
}

func sortedStrings(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}
