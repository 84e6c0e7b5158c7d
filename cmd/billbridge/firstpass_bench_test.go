package main

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFirstPassEvents: the first pass (validateInput) over 20,000
// event lines of the form BenchmarkCLIEvents pushes. The whole push waits
// for it before its first request, so it adds to the wall time one for one
// (BENCHMARKS.md §7).
func BenchmarkFirstPassEvents(b *testing.B) {
	var in bytes.Buffer
	ts := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for i := range 20_000 {
		in.WriteString(`{`)
		if i%10 != 0 {
			in.WriteString(`"event_id":"evt-` + strconv.Itoa(i) + `",`)
		}
		in.WriteString(`"customer_id":"cus_` + strconv.Itoa(i%10) + `","code":"api_calls","timestamp":"` + ts +
			`","properties":{"region":"eu-west-1","bytes":"` + strconv.Itoa(i%4096) + `"}}` + "\n")
	}
	job, err := meteroidEventsJob(&pushFlags{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	for b.Loop() {
		_, bad, err := validateInput(bytes.NewReader(in.Bytes()), nil, "", job, io.Discard, false)
		if err != nil || bad != 0 {
			b.Fatal(bad, err)
		}
	}
}
