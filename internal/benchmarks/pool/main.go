// Command pool is the baseline of the CLI throughput benchmark: the worker
// pool a user would write over the generated Tight client to save the
// customers of a JSON Lines file, in batches of -batch with -conc requests
// in flight, with no validation, retries, rate limit or results file.
// With -keys it stamps each item with a create key in customData, as the
// facade does (a hash of the item), so that the server gets the same
// payload from both.
//
// Usage: TIGHT_TOKEN=... pool -batch 100 -conc 4 [-keys] BASE_URL FILE
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"github.com/billbridge/billbridge/gen/tightapi"
)

// createKeyField is tight.CreateKeyField, copied so that this command, which
// lives under internal/, does not import pkg/ (imports run from pkg/ to
// internal/, never back; main_test.go checks the copy).
const createKeyField = "billbridge_create_key"

func main() {
	batch := flag.Int("batch", 100, "items per request")
	conc := flag.Int("conc", 4, "requests in flight")
	keys := flag.Bool("keys", false, "stamp a create key on each item, as the facade does")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: pool [-batch N] [-conc N] [-keys] BASE_URL FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	token := os.Getenv("TIGHT_TOKEN")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *conc
	c, err := tightapi.NewClientWithResponses(flag.Arg(0)+"/v6", tightapi.WithHTTPClient(&http.Client{Transport: transport}),
		tightapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	chunks := make(chan []tightapi.CustomerInput, *conc)
	var saved, failed atomic.Int64
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				resp, err := c.SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: chunk})
				if err != nil || resp.JSON200 == nil {
					failed.Add(int64(len(chunk)))
					continue
				}
				saved.Add(int64(len(resp.JSON200.Data)))
			}
		}()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	chunk := make([]tightapi.CustomerInput, 0, *batch)
	for sc.Scan() {
		var it tightapi.CustomerInput
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if *keys {
			h := sha256.Sum256(sc.Bytes())
			it.CustomData = &tightapi.CustomData{createKeyField: fmt.Sprintf("bb1-%s-0", hex.EncodeToString(h[:12]))}
		}
		if chunk = append(chunk, it); len(chunk) == *batch {
			chunks <- chunk
			chunk = make([]tightapi.CustomerInput, 0, *batch)
		}
	}
	if len(chunk) > 0 {
		chunks <- chunk
	}
	close(chunks)
	wg.Wait()
	fmt.Printf("%d saved, %d failed\n", saved.Load(), failed.Load())
	if failed.Load() > 0 {
		os.Exit(1)
	}
}
