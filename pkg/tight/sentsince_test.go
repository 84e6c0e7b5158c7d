package tight

import (
	"testing"
	"time"
)

// An e-mail status that says no e-mail went out is not an e-mail under
// way: an invoice showing it after a lost answer was not sent (sending it
// again is what delivers it), while QUEUED and the like still read as sent.
func TestSentSinceStatuses(t *testing.T) {
	since := time.Now()
	old := since.Add(-time.Hour)
	cases := []struct {
		status string
		at     *time.Time
		sent   bool
	}{
		{"NOT_SENT", nil, false},
		{"not sent", nil, false},
		{"UNSENT", nil, false},
		{"FAILED", &old, false},
		{"BOUNCED", nil, false},
		{"QUEUED", nil, true},
		{"IN_PROGRESS", &old, true},
		{"SENT", &old, false},
		{"SENT", &since, true},
		{"SENT", nil, true},
		{"", nil, false},
	}
	for _, tc := range cases {
		ci := &CollectionInfo{EmailSentDatetime: tc.at}
		if tc.status != "" {
			ci.EmailStatus = &tc.status
		}
		if got := sentSince(ci, since); got != tc.sent {
			t.Errorf("status %q, sent at %v: sent %v, want %v", tc.status, tc.at, got, tc.sent)
		}
	}
}
