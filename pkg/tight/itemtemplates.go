package tight

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// SaveItemTemplates saves invoice item templates in batches (POST
// /v6/invoicing/itemTemplates) and returns one result per item, in input
// order. Items with an Id update that template and are retried freely.
// Items without one create a template and, unlike customers, carry no
// create key: Tight documents no query or read of templates to look a key
// up by, so a create whose answer was lost (a 5xx, a dropped connection, a
// cut answer) ends with an error wrapping billbridge.ErrOutcomeUnknown.
// Give templates an Id of your own to make their saves repeatable.
func (c *Client) SaveItemTemplates(ctx context.Context, items []ItemTemplateInput, opts ...option.RequestOption) []billbridge.Result[ItemTemplate] {
	ctx = c.e.Context(ctx, opts)
	return batch.RunKinds(ctx, items, c.e.BatchOptions(c.e.BatchSize), c.templates.kind, c.templates.sendUnkeyed)
}

// SaveItemTemplatesSeq is SaveItemTemplates over a stream, in bounded
// memory.
func (c *Client) SaveItemTemplatesSeq(ctx context.Context, items iter.Seq[ItemTemplateInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[ItemTemplate]] {
	ctx = c.e.Context(ctx, opts)
	return batch.StreamKinds(ctx, items, -1, c.e.BatchOptions(c.e.BatchSize), c.templates.kind, c.templates.sendUnkeyed)
}

// SaveItemTemplate saves one item template and returns it as Tight stored
// it; errors are as in SaveItemTemplates.
func (c *Client) SaveItemTemplate(ctx context.Context, item ItemTemplateInput, opts ...option.RequestOption) (*ItemTemplate, error) {
	return single(c.SaveItemTemplates(ctx, []ItemTemplateInput{item}, opts...))
}

func (c *Client) templateSaver() *saver[ItemTemplateInput, ItemTemplate] {
	return &saver[ItemTemplateInput, ItemTemplate]{
		e: c.e, op: "saveItemTemplates", schema: schemaItemTemplate,
		inputID:  func(in ItemTemplateInput) *string { return in.Id },
		outputID: func(out ItemTemplate) string { return out.Id },
		post: func(ctx context.Context, items []ItemTemplateInput) (*http.Response, error) {
			return c.API.SaveItemTemplates(ctx, tightapi.SaveItemTemplatesRequest{Data: items})
		},
		decode: decodeTemplates,
		data:   func(in ItemTemplateInput) *CustomData { return in.CustomData },
	}
}

// sendUnkeyed is the batch.SendFunc of a save without create keys: it
// validates the chunk, then saves its upserts (retried freely) and its
// creates (unsafe) in separate requests.
func (s *saver[In, Out]) sendUnkeyed(ctx context.Context, chunk []batch.Item[In]) []billbridge.Result[Out] {
	res := make([]billbridge.Result[Out], len(chunk))
	values := make([]In, len(chunk))
	var upserts, creates []int
	for i, it := range chunk {
		values[i] = it.Value
		err := check(s.schema, it.Index, &values[i])
		if err == nil {
			err = checkCustomData(it.Index, s.data(values[i]))
		}
		if err != nil {
			res[i].Err = err
			continue
		}
		if s.kind(it.Value) == 1 {
			upserts = append(upserts, i)
		} else {
			creates = append(creates, i)
		}
	}
	s.save(ctx, values, upserts, false, res)
	s.save(ctx, values, creates, true, res)
	return res
}

// decodeTemplates reads a 200/207 answer of saveItemTemplates.
func decodeTemplates(body []byte) ([]item[ItemTemplate], error) {
	var env tightapi.ItemTemplateSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[ItemTemplate], len(env.Data))
	for i, d := range env.Data {
		out[i] = newItem(d.Result, d.StatusCode, d.Data, d.Error)
	}
	return out, nil
}

// DeleteItemTemplates deletes item templates by id (DELETE
// /v6/invoicing/itemTemplates/{id}, one request per id), with the results,
// retries and 404 rules of DeleteCustomers.
func (c *Client) DeleteItemTemplates(ctx context.Context, ids []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return collect(c.e.Context(ctx, opts), c, ids, c.deleteItemTemplate)
}

// DeleteItemTemplatesSeq is DeleteItemTemplates over a stream.
func (c *Client) DeleteItemTemplatesSeq(ctx context.Context, ids iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return fanOut(c.e.Context(ctx, opts), c, ids, c.deleteItemTemplate)
}

// DeleteItemTemplate deletes one item template; errors are as in
// DeleteItemTemplates.
func (c *Client) DeleteItemTemplate(ctx context.Context, id string, opts ...option.RequestOption) error {
	_, err := single(c.DeleteItemTemplates(ctx, []string{id}, opts...))
	return err
}

func (c *Client) deleteItemTemplate(ctx context.Context, index int, id string) billbridge.Result[string] {
	return deleteOne(ctx, c.e, "deleteItemTemplate", index, id, func(ctx context.Context, id string) (*http.Response, error) {
		return c.API.DeleteItemTemplate(ctx, id)
	})
}

// GetInvoicingSetup reads the invoicing setup of the authenticated user
// (GET /v6/invoicing/setup): the defaults new invoices start from. The read
// is retried like any safe request.
func (c *Client) GetInvoicingSetup(ctx context.Context, opts ...option.RequestOption) (*InvoicingSetup, error) {
	call := engine.Call{Op: "getInvoicingSetup", Send: func(ctx context.Context) (*http.Response, error) { return c.API.GetInvoicingSetup(ctx) }}
	ans, err := c.e.Call(c.e.Context(ctx, opts), call)
	if err != nil {
		return nil, err
	}
	return readOne(c.e, call, ans, func(b []byte) (*InvoicingSetup, error) {
		env, err := unmarshal[tightapi.InvoicingSetupEnvelope](b)
		return env.Data, err
	})
}
