package tighttest

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/flex"
)

// The fake's invoice item templates (POST /v6/invoicing/itemTemplates,
// DELETE /v6/invoicing/itemTemplates/{id}) and invoicing setup (GET
// /v6/invoicing/setup). Templates upsert by id as the other saves (new ids
// tili_<n>), need a name (REQUIRED), and answer glAccount {id} for
// glAccountId; quantity and price are echoed as sent. The setup is the
// defaults of a user who never set invoicing up (setupComplete false)
// until Server.SetInvoicingSetup changes it.

// SaveItemTemplates upserts a batch of item templates.
func (h *handler) SaveItemTemplates(ctx context.Context, req tightserver.SaveItemTemplatesRequestObject) (tightserver.SaveItemTemplatesResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	items := req.Body.Data
	env := tightapi.ItemTemplateSaveEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.ItemTemplateItemResult, 0, len(items)), Error: &[]tightapi.Error{}}
	var refused []tightapi.Error
	var pending []pendingTemplate
	for i, it := range items {
		t := jsoncopy.Clone(it)
		if it.Id != nil && *it.Id != "" {
			if old, ok := st.templates[*it.Id]; ok {
				t = overlay(*old, it)
			}
		}
		if t.Name == nil || strings.TrimSpace(*t.Name) == "" {
			errs := []tightapi.Error{errorOf(tightapi.REQUIRED, "name is required", "name")}
			refused = append(refused, inItem(i, slices.Clone(errs))...)
			env.Result = tightapi.FAILURE
			env.Data = append(env.Data, tightapi.ItemTemplateItemResult{Result: tightapi.FAILURE, StatusCode: http.StatusBadRequest, Error: &errs})
			continue
		}
		env.Data = append(env.Data, tightapi.ItemTemplateItemResult{Result: tightapi.SUCCESS, StatusCode: http.StatusOK, Error: &[]tightapi.Error{}, Data: nil})
		pending = append(pending, pendingTemplate{at: len(env.Data) - 1, t: t})
	}
	if st.cfg.RejectWholeBatch && len(refused) > 0 {
		return errorReply{http.StatusBadRequest, refused}, nil
	}
	for _, p := range pending {
		t := p.t
		if t.Id == nil || *t.Id == "" {
			id := st.newID("tili", func(id string) bool { _, ok := st.templates[id]; return ok })
			t.Id = &id
		}
		if _, ok := st.templates[*t.Id]; !ok {
			st.templateOrder = append(st.templateOrder, *t.Id)
		}
		st.templates[*t.Id] = &t
		out := templateOut(&t)
		env.Data[p.at].Data = &out
	}
	if env.Result == tightapi.FAILURE {
		return tightserver.SaveItemTemplates207JSONResponse(env), nil
	}
	return tightserver.SaveItemTemplates200JSONResponse(env), nil
}

// pendingTemplate is a valid template of the request being answered, kept
// until the whole request is checked.
type pendingTemplate struct {
	at int
	t  tightapi.ItemTemplateInput
}

// templateOut is the response shape of a stored template.
func templateOut(t *tightapi.ItemTemplateInput) tightapi.ItemTemplate {
	out := jsoncopy.Convert[tightapi.ItemTemplate](*t)
	out.GlAccount = &tightapi.GlAccount{}
	if t.GlAccountId != nil {
		out.GlAccount.Id = ptr(*t.GlAccountId)
	}
	return out
}

// DeleteItemTemplate removes one template and answers it as it was.
func (h *handler) DeleteItemTemplate(ctx context.Context, req tightserver.DeleteItemTemplateRequestObject) (tightserver.DeleteItemTemplateResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.templates[req.Id]
	if !ok {
		return notFound("item template", req.Id), nil
	}
	out := templateOut(t)
	delete(st.templates, req.Id)
	st.templateOrder = slices.DeleteFunc(st.templateOrder, func(id string) bool { return id == req.Id })
	return tightserver.DeleteItemTemplate200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// GetInvoicingSetup answers the invoicing setup.
func (h *handler) GetInvoicingSetup(_ context.Context, _ tightserver.GetInvoicingSetupRequestObject) (tightserver.GetInvoicingSetupResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	setup := jsoncopy.Clone(st.setup)
	return tightserver.GetInvoicingSetup200JSONResponse{Result: tightapi.SUCCESS, Data: &setup, Error: &[]tightapi.Error{}}, nil
}

// defaultSetup is the setup of a user who never set invoicing up.
func defaultSetup() tightapi.InvoicingSetup {
	return tightapi.InvoicingSetup{
		DefaultTerm:               &tightapi.Term{Type: ptr("NET_30")},
		DefaultReminderRecurrence: &tightapi.ReminderRecurrence{Frequency: ptr("WEEKLY"), Interval: ptr(int32(1))},
		ReimbursableMarkUpPercent: ptr(flex.Decimal("0.0")),
		SetupComplete:             ptr(flex.Bool(false)),
	}
}

// SetInvoicingSetup replaces the setup GET /v6/invoicing/setup answers (the
// fake serves no write of it).
func (s *Server) SetInvoicingSetup(setup tightapi.InvoicingSetup) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.setup = jsoncopy.Clone(setup)
}

// ItemTemplates returns the stored item templates in creation order, in the
// response shape.
func (s *Server) ItemTemplates() []tightapi.ItemTemplate {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]tightapi.ItemTemplate, 0, len(s.st.templateOrder))
	for _, id := range s.st.templateOrder {
		out = append(out, templateOut(s.st.templates[id]))
	}
	return out
}

// VisitSaveItemTemplatesResponse writes the error answer of saveItemTemplates.
func (e errorReply) VisitSaveItemTemplatesResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitDeleteItemTemplateResponse writes the error answer of deleteItemTemplate.
func (e errorReply) VisitDeleteItemTemplateResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitGetInvoicingSetupResponse writes the error answer of getInvoicingSetup.
func (e errorReply) VisitGetInvoicingSetupResponse(w http.ResponseWriter) error { return e.write(w) }
