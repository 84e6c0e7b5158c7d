package tighttest

import "github.com/billbridge/billbridge/pkg/fake"

// Close stops the fake, closes its connections and waits for the handlers
// still running, so that no response check fires after Close returns.
func (s *Server) Close() { s.frame.Close() }

// Requests returns the request log so far, in arrival order. An entry is
// made before its request is handled, so a client that got an answer
// always finds its request logged.
func (s *Server) Requests() []fake.Request { return s.frame.Requests() }

// Count returns the number of requests of operation (the spec's
// operationId, compared without regard to case) answered with status (0
// counts every status; a request dropped by a fault has status 0 and is
// counted only by status 0).
func (s *Server) Count(operation string, status int) int { return s.frame.Count(operation, status) }

// Coverage reports which of the spec's declared (operation, status) pairs
// the fake has produced so far.
func (s *Server) Coverage() fake.Coverage { return s.frame.Coverage() }
