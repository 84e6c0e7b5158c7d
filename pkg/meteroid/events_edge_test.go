package meteroid_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestIngestEventAtTheByteCap: an event whose request body is exactly
// MaxIngestBytes is sent and taken (with and without backfill); one byte
// more is refused locally, and ValidateEvent agrees with both.
func TestIngestEventAtTheByteCap(t *testing.T) {
	envelope := len(`{"events":[],"allow_partial_failures":true,"allow_backfilling":false}`)
	sized := func(id string, size int) meteroid.Event {
		e := ev(id, 0, time.Minute)
		e.Properties = &map[string]string{"blob": ""}
		raw, _ := json.Marshal(e)
		(*e.Properties)["blob"] = strings.Repeat("z", size-len(raw))
		return e
	}
	for _, backfill := range []bool{false, true} {
		srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
		c := newClient(t, srv, option.WithConcurrency(1))
		var opts []option.RequestOption
		if backfill {
			opts = append(opts, meteroid.WithBackfill())
		}
		at := sized("at-cap", meteroid.MaxIngestBytes-envelope)
		if err := meteroid.ValidateEvent(at, time.Now(), backfill); err != nil {
			t.Errorf("backfill %v: ValidateEvent at the cap: %v", backfill, err)
		}
		if _, err := c.IngestEvent(context.Background(), at, opts...); err != nil {
			t.Errorf("backfill %v: event at the cap: %v", backfill, err)
		}
		over := sized("over-cap", meteroid.MaxIngestBytes-envelope+1)
		var ve *billbridge.ValidationError
		if err := meteroid.ValidateEvent(over, time.Now(), backfill); !errors.As(err, &ve) {
			t.Errorf("backfill %v: ValidateEvent one byte over: %v", backfill, err)
		}
		if _, err := c.IngestEvent(context.Background(), over, opts...); !errors.As(err, &ve) {
			t.Errorf("backfill %v: one byte over: %v", backfill, err)
		}
		if n := srv.Count("ingestEvents", 413); n != 0 {
			t.Errorf("backfill %v: %d answers 413", backfill, n)
		}
	}
}

// TestValidateEventWindowWithOffsets: the timestamp window is measured on
// the instant, whatever the offset it is written with.
func TestValidateEventWindowWithOffsets(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	in := func(d time.Duration, zone string, off int) meteroid.Event {
		e := ev("w", 0, 0)
		e.Timestamp = now.Add(d).In(time.FixedZone(zone, off)).Format(time.RFC3339Nano)
		return e
	}
	for _, tc := range []struct {
		e        meteroid.Event
		backfill bool
		ok       bool
	}{
		{in(-meteroid.IngestPast+time.Second, "IST", 5*3600+1800), false, true},
		{in(-meteroid.IngestPast-time.Second, "PST", -8*3600), false, false},
		{in(-meteroid.IngestPast-time.Second, "PST", -8*3600), true, true},
		{in(meteroid.IngestFuture-time.Second, "LINT", 14*3600), false, true},
		{in(meteroid.IngestFuture+time.Second, "LINT", 14*3600), true, false},
	} {
		err := meteroid.ValidateEvent(tc.e, now, tc.backfill)
		if (err == nil) != tc.ok {
			t.Errorf("%s (backfill %v): %v", tc.e.Timestamp, tc.backfill, err)
		}
	}
}
