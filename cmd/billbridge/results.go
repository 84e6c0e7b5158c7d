package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/billbridge/billbridge"
)

// outcome is one item's result, whatever the provider.
type outcome struct {
	OK       bool
	ID       string
	Existing bool
	Status   int
	Attempts int
	Err      error
	// Outcome and Changes are what a keyed create did (created, updated,
	// unchanged, conflict) and the fields that differed.
	Outcome billbridge.Outcome
	Changes []billbridge.Change
}

// isFinal reports whether an item's result settles it for good: a success,
// or a definite refusal (local validation, a natural-key conflict, a 4xx
// answer other than 408 and 429). Not sent, outcome unknown, 5xx and
// connection failures are not final: --resume tries those lines again.
func isFinal(o outcome) bool {
	if o.OK {
		return true
	}
	var ve *billbridge.ValidationError
	var ae *billbridge.APIError
	switch {
	case errors.Is(o.Err, billbridge.ErrNotSent), errors.Is(o.Err, billbridge.ErrOutcomeUnknown):
		return false
	case errors.As(o.Err, &ve), errors.Is(o.Err, billbridge.ErrConflict):
		return true
	case errors.As(o.Err, &ae):
		s := ae.StatusCode
		return s >= 400 && s < 500 && s != 408 && s != 429
	}
	return false
}

// resultLine is one line of the --results file.
type resultLine struct {
	Line     int    `json:"line"`
	OK       bool   `json:"ok"`
	ID       string `json:"id"`
	Existing bool   `json:"existing"`
	Status   int    `json:"status"`
	Attempts int    `json:"attempts"`
	Final    bool   `json:"final"`
	// Outcome is what a keyed create did: created, updated, unchanged or
	// conflict (empty for a line that is not one, or failed before).
	Outcome billbridge.Outcome  `json:"outcome,omitempty"`
	Changes []billbridge.Change `json:"changes,omitempty"`
	Error   *resultError        `json:"error,omitempty"`
}

type resultError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Param   string `json:"param"`
}

// describe turns an item's error into the results file's error object.
func describe(err error) *resultError {
	var ae *billbridge.APIError
	var ve *billbridge.ValidationError
	switch {
	case errors.As(err, &ve):
		return &resultError{Type: "validation_error", Message: ve.Reason, Param: ve.Field}
	case errors.Is(err, billbridge.ErrOutcomeUnknown):
		return &resultError{Type: "outcome_unknown", Message: err.Error()}
	case errors.Is(err, billbridge.ErrNotSent):
		return &resultError{Type: "not_sent", Message: err.Error()}
	case errors.Is(err, billbridge.ErrConflict) && errors.As(err, &ae):
		return &resultError{Type: "conflict", Message: ae.Message, Param: ae.Param}
	case errors.As(err, &ae):
		t := ae.Code
		if t == "" {
			t = "api_error"
		}
		return &resultError{Type: t, Message: ae.Message, Param: ae.Param}
	default:
		return &resultError{Type: "error", Message: err.Error()}
	}
}

// summary is the --json output. Succeeded and Failed (and Created,
// Updated, Unchanged, Conflicts among them) count every input line by its
// latest result, the lines skipped by --resume included. Requests counts
// the HTTP requests whose bytes reached the wire, retries included.
type summary struct {
	Total          int   `json:"total"`
	Succeeded      int   `json:"succeeded"`
	Failed         int   `json:"failed"`
	Created        int   `json:"created"`
	Updated        int   `json:"updated"`
	Unchanged      int   `json:"unchanged"`
	Conflicts      int   `json:"conflicts"`
	Skipped        int   `json:"skipped"`
	Settled        int   `json:"settled"`
	Sent           int   `json:"sent"`
	NotSent        int   `json:"not_sent"`
	OutcomeUnknown int   `json:"outcome_unknown"`
	Requests       int64 `json:"requests"`
	Retries        int64 `json:"retries"`
	ElapsedMS      int64 `json:"elapsed_ms"`
}

// count adds a line's outcome to the summary.
func (s *summary) count(o billbridge.Outcome) {
	switch o {
	case billbridge.Created:
		s.Created++
	case billbridge.Updated:
		s.Updated++
	case billbridge.Unchanged:
		s.Unchanged++
	case billbridge.Conflict:
		s.Conflicts++
	}
}

// planLine is one line of --plan's output.
type planLine struct {
	Line    int                 `json:"line"`
	Action  string              `json:"action"` // create, update, unchanged, conflict, error
	ID      string              `json:"id,omitempty"`
	Changes []billbridge.Change `json:"changes,omitempty"`
	Error   *resultError        `json:"error,omitempty"`
}

// writePlan prints what a line would do.
func (p *pushRun) writePlan(line int, o outcome) error {
	pl := planLine{Line: line, ID: o.ID, Changes: o.Changes}
	switch o.Outcome {
	case billbridge.Created:
		pl.Action = "create"
	case billbridge.Updated:
		pl.Action = "update"
	case billbridge.Unchanged:
		pl.Action = "unchanged"
	case billbridge.Conflict:
		pl.Action = "conflict"
	default:
		pl.Action = "error"
	}
	if o.Err != nil {
		pl.Error = describe(o.Err)
	}
	b, err := json.Marshal(pl)
	if err != nil {
		return err
	}
	_, err = p.plan.Write(append(b, '\n'))
	return err
}

// record counts and journals one line's result.
func (p *pushRun) record(line int, o outcome) error {
	if p.plan != nil {
		p.sum.count(o.Outcome)
		if o.OK {
			p.sum.Succeeded++
		} else {
			p.sum.Failed++
		}
		return p.writePlan(line, o)
	}
	final := isFinal(o)
	if final {
		p.sum.count(o.Outcome)
	}
	switch {
	case o.OK:
		p.sum.Succeeded++
	default:
		p.sum.Failed++
		switch {
		case errors.Is(o.Err, billbridge.ErrNotSent):
			p.sum.NotSent++
		case errors.Is(o.Err, billbridge.ErrOutcomeUnknown):
			p.sum.OutcomeUnknown++
		}
		switch {
		case errors.Is(o.Err, billbridge.ErrUnauthorized):
			// The client sent nothing more after the refusal: every
			// later line says the same. Keep the refusal itself (not a
			// not-sent line quoting it) for the end.
			if p.refused == nil || errors.Is(p.refused, billbridge.ErrNotSent) && !errors.Is(o.Err, billbridge.ErrNotSent) {
				p.refused = o.Err
			}
		case p.journal == nil:
			fmt.Fprintf(p.stderr, "line %d: %v\n", line, o.Err)
		}
	}
	if final {
		p.finals++
	}
	if p.journal == nil {
		return nil
	}
	rl := resultLine{Line: line, OK: o.OK, ID: o.ID, Existing: o.Existing, Status: o.Status, Attempts: o.Attempts, Final: final,
		Outcome: o.Outcome, Changes: o.Changes}
	if !o.OK {
		rl.Error = describe(o.Err)
	}
	return p.journal.write(rl)
}
