// Command eventpool is the baseline of the Meteroid event benchmark: the
// worker pool a user would write over the generated Meteroid client to
// ingest the events of a JSON Lines file, in requests of -batch events with
// -conc requests in flight, allow_partial_failures on, with no validation,
// retries, rate limit or results file. A line without event_id gets the id
// the CLI gives it ("bb1-<line>-<hash of the line's number and bytes>"),
// so that the server gets the same payload from both.
//
// Usage: METEROID_API_KEY=... eventpool -batch 100 -conc 4 BASE_URL FILE
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/billbridge/billbridge/gen/meteroidapi"
)

func main() {
	batch := flag.Int("batch", 100, "events per request")
	conc := flag.Int("conc", 4, "requests in flight")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: eventpool [-batch N] [-conc N] BASE_URL FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	key := os.Getenv("METEROID_API_KEY")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *conc
	c, err := meteroidapi.NewClientWithResponses(flag.Arg(0), meteroidapi.WithHTTPClient(&http.Client{Transport: transport}),
		meteroidapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	chunks := make(chan []meteroidapi.Event, *conc)
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	partial := true
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				resp, err := c.IngestEventsWithResponse(context.Background(), meteroidapi.IngestEventsRequest{Events: chunk, AllowPartialFailures: &partial})
				if err != nil || resp.JSON200 == nil {
					failed.Add(int64(len(chunk)))
					continue
				}
				n := int64(0)
				if resp.JSON200.Failures != nil {
					n = int64(len(*resp.JSON200.Failures))
				}
				failed.Add(n)
				sent.Add(int64(len(chunk)) - n)
			}
		}()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	chunk := make([]meteroidapi.Event, 0, *batch)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		var e meteroidapi.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v\n", line, err)
			os.Exit(2)
		}
		if e.EventId == "" {
			e.EventId = eventID(line, raw)
		}
		chunk = append(chunk, e)
		if len(chunk) == *batch {
			chunks <- chunk
			chunk = make([]meteroidapi.Event, 0, *batch)
		}
	}
	if len(chunk) > 0 {
		chunks <- chunk
	}
	close(chunks)
	wg.Wait()
	fmt.Printf("%d ingested, %d failed\n", sent.Load(), failed.Load())
	if failed.Load() > 0 {
		os.Exit(1)
	}
}

// eventID is the CLI's id of a line without event_id (cmd/billbridge's
// createKey, copied: internal/ does not import the command).
func eventID(line int, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(line)))
	h.Write([]byte{'\n'})
	h.Write(raw)
	return "bb1-" + strconv.Itoa(line) + "-" + hex.EncodeToString(h.Sum(nil)[:12])
}
