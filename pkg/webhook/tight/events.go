package tight

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
)

// Webhook types.
const (
	TypeEntityUpdate = "ENTITY_UPDATE"
	TypeLifecycle    = "LIFECYCLE"
)

// Editor is who caused the event.
type Editor struct {
	UserID string `json:"userId"`
}

// Company is the company the event belongs to.
type Company struct {
	ID           string `json:"id"`
	APICompanyID string `json:"apiCompanyId,omitempty"`
}

// EntityUpdate is the payload of an ENTITY_UPDATE webhook: the entity at
// URL changed; Data is its full detail, kept raw because it is any of
// Tight's entities (decode it into the facade's type for the path).
type EntityUpdate struct {
	Editor  Editor          `json:"editor"`
	Company Company         `json:"company"`
	Type    string          `json:"type"`
	URL     string          `json:"url"` // e.g. /v6/banks/transactions/btn_936723
	Data    json.RawMessage `json:"data"`
}

// Lifecycle is the payload of a LIFECYCLE webhook.
type Lifecycle struct {
	Editor    Editor          `json:"editor"`
	Company   Company         `json:"company"`
	Type      string          `json:"type"`
	Event     string          `json:"event"` // e.g. bankAccountCreated, transactionCreated
	Datetime  time.Time       `json:"datetime"`
	EventData json.RawMessage `json:"eventData"` // e.g. {"entityId": …, …}
}

// Decode implements webhook.Provider.
//
// Tight sends no delivery id, so Event.ID is derived from the payload: for
// LIFECYCLE the event name, entity id and datetime; for ENTITY_UPDATE (which
// carries no time) the entity's path and a SHA-256 of its data. A retry
// resends the same body and gets the same id; two updates that leave the
// entity in the same state share an id too, and processing one of them is
// enough.
func (*Verifier) Decode(_ http.Header, body []byte) (webhook.Event, error) {
	ev := webhook.Event{Provider: "tight", Raw: append([]byte(nil), body...)}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return ev, fmt.Errorf("tight: %w: %v", webhook.ErrMalformed, err)
	}
	ev.Type = head.Type
	switch head.Type {
	case TypeEntityUpdate:
		var p EntityUpdate
		if json.Unmarshal(body, &p) == nil {
			ev.Data = &p
			ev.EntityType, ev.EntityID = entityOfPath(p.URL)
			ev.ID = TypeEntityUpdate + "|" + p.URL + "|" + hash(p.Data)
			return ev, nil
		}
	case TypeLifecycle:
		var p Lifecycle
		if json.Unmarshal(body, &p) == nil {
			var ed struct {
				EntityID string `json:"entityId"`
			}
			_ = json.Unmarshal(p.EventData, &ed)
			ev.Data, ev.Action, ev.Time, ev.EntityID = &p, p.Event, p.Datetime, ed.EntityID
			ev.ID = TypeLifecycle + "|" + p.Event + "|" + ed.EntityID + "|" + p.Datetime.UTC().Format(time.RFC3339Nano) + "|" + hash(p.EventData)
			return ev, nil
		}
	}
	// Unknown type, or a known type whose fields do not fit: keep it raw.
	ev.ID = head.Type + "|" + hash(body)
	return ev, nil
}

// entityOfPath reads "/v6/banks/transactions/btn_936723" as
// ("banks/transactions", "btn_936723").
func entityOfPath(p string) (kind, id string) {
	p = strings.Trim(p, "/")
	if rest, ok := strings.CutPrefix(p, "v6/"); ok {
		p = rest
	}
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return p, ""
	}
	return p[:i], p[i+1:]
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:16])
}
