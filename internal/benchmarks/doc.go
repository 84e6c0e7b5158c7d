// Package benchmarks holds the performance benchmarks of billbridge (run by
// `make bench`, written up in BENCHMARKS.md). They report ratios measured
// side by side in one run, never absolute times alone: the machines are
// shared and noisy.
package benchmarks
