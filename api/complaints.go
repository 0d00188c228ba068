package api

import (
	"context"
	"net/http"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/events"
	"github.com/labstack/echo/v4"
)

// The 12317 desk's commands. Bodies are the API's own types (camelCase JSON,
// documented in /openapi.json) translated into the domain's commands, so the
// wire format can stay stable while the domain changes.

type receiveComplaintBody struct {
	ComplaintID string                `json:"complaintId"`
	Channel     complaint.Channel     `json:"channel"`
	Category    complaint.Category    `json:"category"`
	Subject     complaint.Subject     `json:"subject"`
	Division    string                `json:"division"`
	Complainant complaint.Complainant `json:"complainant"`
	Text        string                `json:"text"`
}

type assignComplaintBody struct {
	OfficerID string `json:"officerId"`
	Unit      string `json:"unit"`
}

type noteComplaintBody struct {
	Text string `json:"text"`
}

type resolveComplaintBody struct {
	Outcome            complaint.Outcome `json:"outcome"`
	CorrectiveEventIDs []events.ID       `json:"correctiveEventIds,omitempty"`
	Reason             string            `json:"reason,omitempty"`
	Reply              string            `json:"reply"`
}

type closeComplaintBody struct {
	ReplyMethod complaint.ReplyMethod `json:"replyMethod"`
}

type appealComplaintBody struct {
	Reason string `json:"reason"`
}

type emptyBody struct{}

func (s *Server) complaintRoutes() []route {
	if s.deps.Complaints == nil {
		return nil
	}
	perm := complaint.Permissions()
	handle := func(ctx context.Context, c echo.Context, req domain.Request, cmd complaint.Command) (domain.Result, error) {
		return s.deps.Complaints.Handle(ctx, req, c.Param("id"), cmd)
	}
	post := func(name, path, summary string, body any, h echo.HandlerFunc) route {
		return route{method: http.MethodPost, path: path, summary: summary, tag: "complaints", roles: perm[name], body: body, handler: h}
	}
	return []route{
		post(complaint.CommandReceive, "/complaints", "Receive a complaint (phone 12317, letter, web, in person).", receiveComplaintBody{},
			command(s, perm[complaint.CommandReceive], func(ctx context.Context, c echo.Context, req domain.Request, b *receiveComplaintBody) (domain.Result, error) {
				return s.deps.Complaints.Handle(ctx, req, b.ComplaintID, complaint.Receive{Channel: b.Channel, Category: b.Category,
					Subject: b.Subject, Division: b.Division, Complainant: b.Complainant, Text: b.Text})
			})),
		post(complaint.CommandAcknowledge, "/complaints/:id/acknowledge", "Acknowledge a complaint to the complainant.", emptyBody{},
			command(s, perm[complaint.CommandAcknowledge], func(ctx context.Context, c echo.Context, req domain.Request, _ *emptyBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.Acknowledge{})
			})),
		post(complaint.CommandAssign, "/complaints/:id/assign", "Assign (or reassign) a complaint for investigation.", assignComplaintBody{},
			command(s, perm[complaint.CommandAssign], func(ctx context.Context, c echo.Context, req domain.Request, b *assignComplaintBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.Assign{Assignee: complaint.Assignee{OfficerID: b.OfficerID, Unit: b.Unit}})
			})),
		post(complaint.CommandAddNote, "/complaints/:id/notes", "Add an investigation note.", noteComplaintBody{},
			command(s, perm[complaint.CommandAddNote], func(ctx context.Context, c echo.Context, req domain.Request, b *noteComplaintBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.AddNote{Text: b.Text})
			})),
		post(complaint.CommandResolve, "/complaints/:id/resolve", "Resolve: upheld (naming the corrective events) or not upheld, with the reply.", resolveComplaintBody{},
			command(s, perm[complaint.CommandResolve], func(ctx context.Context, c echo.Context, req domain.Request, b *resolveComplaintBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.Resolve{Outcome: b.Outcome, CorrectiveEventIDs: b.CorrectiveEventIDs, Reason: b.Reason, Reply: b.Reply})
			})),
		post(complaint.CommandClose, "/complaints/:id/close", "Close after the complainant was answered.", closeComplaintBody{},
			command(s, perm[complaint.CommandClose], func(ctx context.Context, c echo.Context, req domain.Request, b *closeComplaintBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.Close{ReplyMethod: b.ReplyMethod})
			})),
		post(complaint.CommandAppeal, "/complaints/:id/appeal", "Record the complainant's appeal; the investigation reopens.", appealComplaintBody{},
			command(s, perm[complaint.CommandAppeal], func(ctx context.Context, c echo.Context, req domain.Request, b *appealComplaintBody) (domain.Result, error) {
				return handle(ctx, c, req, complaint.Appeal{Reason: b.Reason})
			})),
	}
}
