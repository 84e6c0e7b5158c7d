// Package billbridge is the root of the billbridge module: typed Go clients
// for the Tight, ChargeOver and Meteroid billing APIs.
//
// The clients are generated from the OpenAPI specs in specs/ into gen/ (see
// generate.go) and wrapped by the facades in pkg/tight, pkg/chargeover and
// pkg/meteroid, which add authentication, retries, rate limits and batching
// with one result per input item.
package billbridge
