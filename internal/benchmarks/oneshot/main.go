// Command oneshot is the baseline of the 1-item push benchmark: what a user
// would write by hand over the generated Tight client to save the customers
// of a JSON Lines file in one request, with no validation, retries or
// results file. Usage: TIGHT_TOKEN=... oneshot BASE_URL FILE
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/billbridge/billbridge/gen/tightapi"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: oneshot BASE_URL FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var items []tightapi.CustomerInput
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var it tightapi.CustomerInput
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		items = append(items, it)
	}
	token := os.Getenv("TIGHT_TOKEN")
	c, err := tightapi.NewClientWithResponses(os.Args[1]+"/v6", tightapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	resp, err := c.SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: items})
	if err != nil || resp.JSON200 == nil {
		fmt.Fprintln(os.Stderr, "save failed:", err, resp.Status())
		os.Exit(1)
	}
	fmt.Printf("%d items saved\n", len(resp.JSON200.Data))
}
