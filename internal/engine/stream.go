package engine

import (
	"context"
	"io"

	"github.com/billbridge/billbridge/internal/transport"
)

// Stream sends c as Call does, but hands a 2xx answer's body over unread
// (transport.Streamed): a download whose size the API does not bound (a
// PDF) is copied by the caller in bounded memory instead of being read into
// it. The caller must close body. The Answer carries the status, header,
// attempts and request id, and no Body; a non-2xx answer is read and
// classified as Call classifies it (body nil, err set). The retries are the
// transport's, up to the answer's header: a body that breaks off while the
// caller reads it is the caller's error, not retried here.
func (e *Engine) Stream(ctx context.Context, c Call) (body io.ReadCloser, ans *Answer, err error) {
	ctx, tr := transport.WithTrace(transport.Streamed(ctx))
	if !c.Unsafe {
		ctx = transport.Idempotent(ctx)
	}
	resp, err := c.Send(ctx)
	ans = &Answer{Attempts: tr.Attempts}
	if err != nil {
		ae := e.noAnswer(c, tr, err)
		e.haltOnAuth(ctx, ae)
		return nil, ans, ae
	}
	ans.Status, ans.Header, ans.RequestID = resp.StatusCode, resp.Header, transport.RequestID(resp.Header)
	if ans.OK() {
		return resp.Body, ans, nil
	}
	ans.Body = readBody(resp)
	ae := e.errorAnswer(c, ans)
	e.haltOnAuth(ctx, ae)
	return nil, ans, ae
}
