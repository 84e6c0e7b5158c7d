// Package fake is what the provider fakes (pkg/tight/tighttest,
// pkg/chargeover/chargeovertest, pkg/meteroid/meteroidtest) share: the frame
// they run in (Server, embedded in each fake's Server, with its request log,
// spec coverage and ClientOptions), the entry of their request log and their
// spec-coverage report. A fake adds only its handlers, its store and its
// credentials.
//
// The frame also carries the fakes' webhook sender (Webhooks, configured by
// a WebhookConfig and each fake's WithWebhooks): a queue of deliveries,
// each signed as the provider signs it (the fake's Signer, built on the
// Sign helpers of pkg/webhook/<provider>), retried with a short backoff
// until a 2xx, with an optional share of deliberate duplicates and of
// attempts lost on the way, so that receivers can be tested for
// idempotence. A fake only maps its state changes to its provider's
// payload and calls Send.
package fake

import (
	"fmt"

	"github.com/billbridge/billbridge/pkg/fault"
)

// Request is one request as a fake saw it, in its request log.
type Request struct {
	// Operation is the spec's operationId, e.g. "saveCustomers"; "" for
	// unknown routes.
	Operation string
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without the query.
	Path string
	// Status is the status answered; 0 while in flight or when the
	// connection was dropped.
	Status int
	// Fault is the injected fault, or fault.None.
	Fault fault.Kind
	// RequestID is the id the fake sent in the X-Request-Id header of its
	// answer ("req_1", "req_2", ... in arrival order); no answer reaches
	// the client when the connection was dropped.
	RequestID string
}

// Coverage compares the requests a fake has answered with its spec.
type Coverage struct {
	// Operations counts the spec's operations, OperationsSeen those that
	// answered at least one declared status.
	Operations, OperationsSeen int
	// Declared counts the spec's (operation, status) pairs.
	Declared int
	// Missing lists the declared pairs not produced yet, as
	// "operationId status", sorted.
	Missing []string
}

// String summarises the coverage on one line.
func (c Coverage) String() string {
	return fmt.Sprintf("operations %d/%d, declared (operation, status) pairs %d/%d (%.0f%%); not produced: %v",
		c.OperationsSeen, c.Operations, c.Declared-len(c.Missing), c.Declared,
		100*float64(c.Declared-len(c.Missing))/float64(max(c.Declared, 1)), c.Missing)
}
