package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
	"github.com/labstack/echo/v4"
)

// The household file's commands (DOMAIN.md §3, §6–§8) over HTTP.
//
// Paths: POST /households registers; every other command is a POST under
// /households/{file}. A plural noun adds a record to one of the household's
// lists (assessments, objections, measures, visits, deaths, corrections); a
// verb moves a procedure on a step (propose, review, enroll, reject, return,
// remove, and under exit/ the exit procedure's steps); a singular noun sets
// the one current thing (publicity, cadre).
//
// Bodies are the API's own types, translated into the domain's commands.
// Their top-level field names are the domain commands' JSON names, and
// nested values are the domain's value types, so the field paths of the
// domain's problems (members[2].residentId, appraisal.heldAt) name the
// body's own fields. What the caller must not choose is filled in here from
// configuration: the scorecard (resolved from the catalog), the poverty
// lines, and a cadre's current load.

// CadreLoads counts the households a cadre helps now, for the "4321" rule:
// the household stream alone cannot count them (they are in other streams).
// Households may block on a read model and honours ctx; an error means it
// cannot answer, and the assignment is refused with it.
type CadreLoads interface {
	Households(ctx context.Context, cadreID string) (int, error)
}

// Codes of the scorecard an assessment names, reported as field problems.
const (
	codeCardUnknown       = "card_unknown"
	codeCardNotApplicable = "card_not_applicable"
	codeCardAmbiguous     = "card_ambiguous"
	codePathInvalid       = "path_invalid"
)

type registerHouseholdBody struct {
	FileNumber string                  `json:"fileNumber"`
	Village    string                  `json:"village"`
	Head       household.MemberInput   `json:"head"`
	Members    []household.MemberInput `json:"members,omitempty"` // besides the head
	Account    *household.Account      `json:"account,omitempty"`
	// decodeProblems are the fields that did not decode, kept to be reported
	// with the rule problems of the rest (see UnmarshalJSON).
	decodeProblems []events.Problem
}

// UnmarshalJSON decodes leniently: a field of the wrong type or an unknown
// field is recorded instead of stopping the decoding, so that a clerk who
// mistyped a number and a resident ID on a paper survey of six members
// hears of both in one answer. DecodeCommand alone stops at the decoding
// problems; registration is the form where that hurts most.
func (b *registerHouseholdBody) UnmarshalJSON(raw []byte) error {
	type fields registerHouseholdBody // without this method, so decoding does not recurse
	var ps []events.Problem
	decodeObject("", raw, reflect.ValueOf((*fields)(b)).Elem(), 0, &ps)
	b.decodeProblems = ps
	return nil
}

type assessBody struct {
	// Kind is initial (the survey) or reassessment (year-end).
	Kind string `json:"kind"`
	Year int    `json:"year"`
	// CardID and CardVersion name the scorecard; without CardID the server
	// uses the card of the household's county (the most specific
	// jurisdiction), without CardVersion that card's latest version.
	CardID                string            `json:"cardId,omitempty"`
	CardVersion           int               `json:"cardVersion,omitempty"`
	Answers               map[string]string `json:"answers"`
	NetIncomePerCapitaFen domain.Fen        `json:"netIncomePerCapitaFen"`
}

type proposeBody struct {
	Appraisal household.Appraisal `json:"appraisal"`
	Causes    household.CauseList `json:"causes"`
}

type publicityBody struct {
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Place    string    `json:"place"`
}

type objectionBody struct {
	RaisedBy  string `json:"raisedBy"`
	Statement string `json:"statement"`
}

type resolveObjectionBody struct {
	// Outcome is upheld or dismissed.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

type reviewBody struct {
	Passed  bool   `json:"passed"`
	Opinion string `json:"opinion"`
}

type decisionBody struct {
	DecisionRef string `json:"decisionRef"`
}

type rejectBody struct {
	Reasons []string `json:"reasons"`
}

type cadreBody struct {
	Cadre household.Cadre `json:"cadre"`
}

type measureBody struct {
	MeasureID   string `json:"measureId"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
	ProjectRef  string `json:"projectRef,omitempty"`
}

type visitBody struct {
	CadreID               string               `json:"cadreId"`
	Seen                  household.Seen       `json:"seen"`
	HandbookFilled        bool                 `json:"handbookFilled"`
	NetIncomePerCapitaFen domain.Fen           `json:"netIncomePerCapitaFen"`
	Concerns              []string             `json:"concerns,omitempty"`
	Help                  []household.Help     `json:"help,omitempty"`
	Signatures            household.Signatures `json:"signatures"`
}

type reasonBody struct {
	Reason string `json:"reason"`
}

type appraiseExitBody struct {
	Appraisal household.Appraisal `json:"appraisal"`
}

type verifyExitBody struct {
	Indicators []household.IndicatorCheck `json:"indicators"`
}

type exitAgreementBody struct {
	// SignedBy is the resident ID of the member who signed.
	SignedBy     string `json:"signedBy"`
	SignatureRef string `json:"signatureRef"`
}

type returnBody struct {
	Causes      household.CauseList `json:"causes"`
	DecisionRef string              `json:"decisionRef"`
}

type removeBody struct {
	// Reason is mis_identified, deceased or moved_away.
	Reason      string `json:"reason"`
	Explanation string `json:"explanation"`
	ApprovedBy  string `json:"approvedBy"`
	EvidenceRef string `json:"evidenceRef"`
}

type deathBody struct {
	ResidentID  string `json:"residentId"`
	DiedOn      string `json:"diedOn"`
	EvidenceRef string `json:"evidenceRef"`
}

type correctionBody struct {
	EventID    events.ID `json:"eventId"`
	Version    uint64    `json:"version"`
	ApprovedBy string    `json:"approvedBy"`
	Reason     string    `json:"reason"`
	// Fields are the corrected event's top-level fields with their right
	// values.
	Fields jsonObject `json:"fields"`
}

// jsonObject is a JSON object kept exactly as sent (numbers included), and
// documented as an object rather than as the bytes it is held in.
type jsonObject map[string]any

func (o *jsonObject) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m := make(jsonObject, len(raw))
	for k, v := range raw {
		m[k] = v
	}
	*o = m
	return nil
}

func (s *Server) householdRoutes() []route {
	if s.deps.Households == nil {
		return nil
	}
	const (
		file      = "/households/:file"
		objection = file + "/objections/:number/resolve"
	)
	return []route{
		{method: http.MethodPost, path: "/households", tag: "households", body: registerHouseholdBody{},
			summary: "Register a household on file: file number, village, head, members and the one-card account. Every bad field is reported at once.",
			roles:   householdRoles(household.RegisterHousehold{}), handler: command(s, householdRoles(household.RegisterHousehold{}), s.register)},
		householdRoute(s, household.Assess{}, file+"/assessments",
			"Survey and score (kind initial) or reassess at year end (kind reassessment) against a scorecard: the one named by cardId and cardVersion, else the card of the household's county, latest version.",
			func(_ context.Context, _ echo.Context, f domain.FileNumber, b *assessBody) (household.Command, error) {
				card, err := s.scorecardFor(f.Village(), b.CardID, b.CardVersion)
				if err != nil {
					return nil, err
				}
				return household.Assess{Kind: b.Kind, Year: b.Year, Answers: b.Answers, NetIncomePerCapitaFen: b.NetIncomePerCapitaFen,
					Card: household.Card{Card: card}, Lines: s.deps.PovertyLines}, nil
			}),
		householdRoute(s, household.Propose{}, file+"/propose",
			"Record the village's democratic appraisal of a surveyed household and propose it for enrollment, with the causes of its poverty.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *proposeBody) (household.Command, error) {
				return household.Propose{Appraisal: b.Appraisal, Causes: b.Causes}, nil
			}),
		householdRoute(s, household.StartPublicity{}, file+"/publicity",
			"Post the household's publicity (at least 7 days): for enrollment after the proposal, or for exit after the exit appraisal.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *publicityBody) (household.Command, error) {
				return household.StartPublicity{StartsAt: b.StartsAt, EndsAt: b.EndsAt, Place: b.Place}, nil
			}),
		householdRoute(s, household.RaiseObjection{}, file+"/objections",
			"Record an objection raised during the publicity; until it is resolved it blocks review, enrollment and exit verification.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *objectionBody) (household.Command, error) {
				return household.RaiseObjection{RaisedBy: b.RaisedBy, Statement: b.Statement}, nil
			}),
		householdRoute(s, household.ResolveObjection{}, objection,
			"Resolve the publicity's objection {number}: upheld (the household cannot proceed) or dismissed, with the reason.",
			func(_ context.Context, c echo.Context, _ domain.FileNumber, b *resolveObjectionBody) (household.Command, error) {
				n, err := strconv.Atoi(c.Param("number"))
				if err != nil {
					var ps domain.Problems
					ps.Addf("number", codePathInvalid, "%q is not an objection's number", c.Param("number"))
					return nil, ps.Err()
				}
				return household.ResolveObjection{Number: n, Outcome: b.Outcome, Reason: b.Reason}, nil
			}),
		householdRoute(s, household.Review{}, file+"/review",
			"Record the township's review once the enrollment publicity has ended with every objection dismissed.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *reviewBody) (household.Command, error) {
				return household.Review{Passed: b.Passed, Opinion: b.Opinion}, nil
			}),
		householdRoute(s, household.Enroll{}, file+"/enroll",
			"The county enrolls (files) the household as poor: review passed, latest assessment below 60 points and below the year's poverty line.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *decisionBody) (household.Command, error) {
				return household.Enroll{DecisionRef: b.DecisionRef, Lines: s.deps.PovertyLines}, nil
			}),
		householdRoute(s, household.Reject{}, file+"/reject",
			"Reject a proposed or publicized household, with reasons.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *rejectBody) (household.Command, error) {
				return household.Reject{Reasons: b.Reasons}, nil
			}),
		householdRoute(s, household.AssignCadre{}, file+"/cadre",
			"Assign (or replace) the household's helping cadre; the \"4321\" rule caps a cadre's households by rank.",
			func(ctx context.Context, _ echo.Context, _ domain.FileNumber, b *cadreBody) (household.Command, error) {
				n, err := s.cadreLoad(ctx, b.Cadre.ID)
				if err != nil {
					return nil, err
				}
				return household.AssignCadre{Cadre: b.Cadre, HelpedCount: n}, nil
			}),
		householdRoute(s, household.PlanMeasure{}, file+"/measures",
			"Plan a support measure for a household being helped.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *measureBody) (household.Command, error) {
				return household.PlanMeasure{MeasureID: b.MeasureID, Kind: b.Kind, Description: b.Description, ProjectRef: b.ProjectRef}, nil
			}),
		householdRoute(s, household.RecordVisit{}, file+"/visits",
			"Record a cadre's visit with the \"seven words\", signed by the cadre and the household; it is dated when recorded.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *visitBody) (household.Command, error) {
				return household.RecordVisit{CadreID: b.CadreID, Seen: b.Seen, HandbookFilled: b.HandbookFilled,
					NetIncomePerCapitaFen: b.NetIncomePerCapitaFen, Concerns: b.Concerns, Help: b.Help, Signatures: b.Signatures}, nil
			}),
		householdRoute(s, household.ProposeExit{}, file+"/exit/propose",
			"The village proposes a poor household's exit on a reassessment above 80 points.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *reasonBody) (household.Command, error) {
				return household.ProposeExit{Reason: b.Reason}, nil
			}),
		householdRoute(s, household.AppraiseExit{}, file+"/exit/appraise",
			"Record the village's democratic appraisal of the exit; the exit publicity follows (POST …/publicity).",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *appraiseExitBody) (household.Command, error) {
				return household.AppraiseExit{Appraisal: b.Appraisal}, nil
			}),
		householdRoute(s, household.VerifyExit{}, file+"/exit/verify",
			"Verify the twelve exit indicators, met or not, with evidence, after the exit publicity.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *verifyExitBody) (household.Command, error) {
				return household.VerifyExit{Indicators: b.Indicators}, nil
			}),
		householdRoute(s, household.SignExitAgreement{}, file+"/exit/agree",
			"Record the household's signed agreement to its exit (every indicator verified met).",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *exitAgreementBody) (household.Command, error) {
				return household.SignExitAgreement{SignedBy: b.SignedBy, SignatureRef: b.SignatureRef}, nil
			}),
		householdRoute(s, household.ApproveExit{}, file+"/exit/approve",
			"The county approves the exit: publicity over, indicators met, agreement signed.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *decisionBody) (household.Command, error) {
				return household.ApproveExit{DecisionRef: b.DecisionRef}, nil
			}),
		householdRoute(s, household.WithdrawExit{}, file+"/exit/withdraw",
			"Abandon an exit procedure; the household is poor as before.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *reasonBody) (household.Command, error) {
				return household.WithdrawExit{Reason: b.Reason}, nil
			}),
		householdRoute(s, household.ReturnToPoverty{}, file+"/return",
			"Re-enroll an exited household whose latest reassessment finds it poor again, with the causes.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *returnBody) (household.Command, error) {
				return household.ReturnToPoverty{Causes: b.Causes, DecisionRef: b.DecisionRef, Lines: s.deps.PovertyLines}, nil
			}),
		householdRoute(s, household.Remove{}, file+"/remove",
			"Take the household off the file (mis-identified, deceased, moved away), with the approver and evidence.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *removeBody) (household.Command, error) {
				return household.Remove{Reason: b.Reason, Explanation: b.Explanation, ApprovedBy: b.ApprovedBy, EvidenceRef: b.EvidenceRef}, nil
			}),
		householdRoute(s, household.RecordDeath{}, file+"/deaths",
			"Record a member's death (payments in the member's name after it are flagged).",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *deathBody) (household.Command, error) {
				return household.RecordDeath{ResidentID: b.ResidentID, DiedOn: b.DiedOn, EvidenceRef: b.EvidenceRef}, nil
			}),
		householdRoute(s, household.Correct{}, file+"/corrections",
			"Correct fields of an earlier event of the household (named by id and version); the original stays in the log.",
			func(_ context.Context, _ echo.Context, _ domain.FileNumber, b *correctionBody) (household.Command, error) {
				var fields json.RawMessage
				if b.Fields != nil {
					var err error
					if fields, err = json.Marshal(b.Fields); err != nil {
						return nil, err
					}
				}
				return household.Correct{EventID: b.EventID, Version: b.Version, ApprovedBy: b.ApprovedBy, Reason: b.Reason, Fields: fields}, nil
			}),
	}
}

// householdRoles are the roles that may issue cmd.
func householdRoles(cmd household.Command) []domain.Role { return household.Permissions()[cmd.Name()] }

// householdRoute is the route of a command on an existing household: the
// file number from the path, the command built from the body of type B.
// kind is a zero value of the command, naming its roles.
func householdRoute[B any](s *Server, kind household.Command, path, summary string,
	build func(ctx context.Context, c echo.Context, file domain.FileNumber, b *B) (household.Command, error)) route {
	roles := householdRoles(kind)
	var zero B
	h := command(s, roles, func(ctx context.Context, c echo.Context, req domain.Request, b *B) (domain.Result, error) {
		file, err := domain.ParseFileNumber(c.Param("file"))
		if err != nil {
			var ps domain.Problems
			ps.Add("file", err)
			return domain.Result{}, ps.Err()
		}
		cmd, err := build(ctx, c, file, b)
		if err != nil {
			return domain.Result{}, err
		}
		return s.deps.Households.Handle(ctx, req, file, cmd)
	})
	return route{method: http.MethodPost, path: path, summary: summary, tag: "households", roles: roles, body: zero, handler: h}
}

// checksRequired: register runs the registration's rules on every field,
// nested ones included, before it writes.
func (*registerHouseholdBody) checksRequired() {}

// register registers a household. When some fields did not decode, the
// rest is still checked by the registration's rules (a pure decision on an
// empty household, so nothing is read or written) and every problem is
// reported together.
func (s *Server) register(ctx context.Context, _ echo.Context, req domain.Request, b *registerHouseholdBody) (domain.Result, error) {
	cmd := household.RegisterHousehold{FileNumber: b.FileNumber, Village: b.Village, Head: b.Head, Members: b.Members, Account: b.Account}
	if len(b.decodeProblems) > 0 {
		_, err := cmd.Decide(household.State{}, req.At)
		return domain.Result{}, withRuleProblems(b.decodeProblems, err)
	}
	return s.deps.Households.Register(ctx, req, cmd)
}

// withRuleProblems reports the decoding problems and, after them, the rule
// problems of err on fields that decoded (a field of the wrong type is left
// empty, and its emptiness is no news).
func withRuleProblems(decoded []events.Problem, err error) error {
	ps := append([]events.Problem(nil), decoded...)
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		for _, p := range inv.Problems {
			if !underAny(p.Field, decoded) {
				ps = append(ps, p)
			}
		}
	}
	return invalid(ps...)
}

func underAny(field string, ps []events.Problem) bool {
	for _, p := range ps {
		if p.Field == "body" || field == p.Field || strings.HasPrefix(field, p.Field+".") || strings.HasPrefix(field, p.Field+"[") {
			return true
		}
	}
	return false
}

// scorecardFor resolves the card an assessment of a household in village
// is scored with: the one named (id, and version or the latest), else the
// latest version of the card whose jurisdiction is the most specific one
// containing the village. A card for another area is refused: scores are
// comparable only within the card's area.
func (s *Server) scorecardFor(village domain.DivisionCode, id string, version int) (*scorecard.Card, error) {
	var ps domain.Problems
	cat := s.deps.Scorecards
	var card *scorecard.Card
	var ok bool
	switch {
	case id == "" && version != 0:
		ps.Addf("cardId", household.CodeRequired, "a card version needs the card's id")
	case id == "":
		var ambiguous bool
		card, ambiguous = defaultCard(cat, village)
		switch {
		case ambiguous:
			ps.Addf("cardId", codeCardAmbiguous, "several cards apply to village %s; name one", village)
		case card == nil:
			ps.Addf("cardId", codeCardUnknown, "no scorecard applies to village %s; name one", village)
		}
	case version == 0:
		if card, ok = cat.Latest(id); !ok {
			ps.Addf("cardId", codeCardUnknown, "no scorecard %q", id)
		}
	default:
		if card, ok = cat.Card(id, version); !ok {
			ps.Addf("cardVersion", codeCardUnknown, "no scorecard %q version %d", id, version)
		}
	}
	if card != nil && !card.AppliesTo(village) {
		ps.Addf("cardId", codeCardNotApplicable, "card %s is for %q, not for village %s", card.ID, card.Jurisdiction, village)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return card, nil
}

// defaultCard is the latest version of the card with the most specific
// jurisdiction containing village; ambiguous when two different cards tie.
func defaultCard(cat *scorecard.Catalog, village domain.DivisionCode) (card *scorecard.Card, ambiguous bool) {
	for _, c := range cat.Cards() { // by id, then version
		switch {
		case !c.AppliesTo(village):
		case card == nil || len(c.Jurisdiction) > len(card.Jurisdiction):
			card, ambiguous = c, false
		case len(c.Jurisdiction) < len(card.Jurisdiction):
		case c.ID == card.ID:
			card = c // a later version
		default:
			ambiguous = true
		}
	}
	return card, ambiguous
}

// cadreLoad is how many households the cadre helps now.
func (s *Server) cadreLoad(ctx context.Context, cadreID string) (int, error) {
	if s.deps.CadreLoads == nil {
		return 0, nil
	}
	n, err := s.deps.CadreLoads.Households(ctx, cadreID)
	if err != nil {
		return 0, fmt.Errorf("counting the households cadre %s helps: %w", cadreID, err)
	}
	return n, nil
}
