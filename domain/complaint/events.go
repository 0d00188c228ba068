package complaint

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// The event types of a complaint's stream.
const (
	TypeComplaintReceived           = "complaint.received.v1"
	TypeComplaintAcknowledged       = "complaint.acknowledged.v1"
	TypeComplaintAssigned           = "complaint.assigned.v1"
	TypeComplaintInvestigationNoted = "complaint.investigation_noted.v1"
	TypeComplaintResolved           = "complaint.resolved.v1"
	TypeComplaintClosed             = "complaint.closed.v1"
	TypeComplaintAppealed           = "complaint.appealed.v1"
)

// Limits on a complaint's fields. A letter runs to a page or two; anything
// longer is an attachment, which belongs in a document store with its hash
// in a note.
const (
	TextRunesMax        = 4000 // complaint text, investigation note, reply
	ReasonRunesMax      = 2000 // why not upheld, why appealed
	NameRunesMax        = 50
	PhoneBytesMax       = 20
	RefBytesMax         = 64 // project ID, payment reference
	AssigneeBytesMax    = 100
	CorrectiveEventsMax = 100
	// AppealsMax is how often a complainant may appeal one complaint; the
	// next step is the petition system (信访), outside Drip.
	AppealsMax = 2
)

// Register adds the complaint's event types to reg.
func Register(reg *events.Registry) {
	reg.Register(
		func() events.Payload { return &Received{} },
		func() events.Payload { return &Acknowledged{} },
		func() events.Payload { return &Assigned{} },
		func() events.Payload { return &InvestigationNoted{} },
		func() events.Payload { return &Resolved{} },
		func() events.Payload { return &Closed{} },
		func() events.Payload { return &Appealed{} },
	)
}

// Subject is what a complaint names: a household, a village, a project or a
// payment, by its reference.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	Ref  string      `json:"ref"`
}

// Complainant is who complained. Only a real-name complainant has personal
// fields: Name and Phone required, ResidentID optional.
type Complainant struct {
	Kind       ComplainantKind `json:"kind"`
	Name       string          `json:"name,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	ResidentID string          `json:"residentId,omitempty"`
}

// Shortfall is what the fund ledger saw when it opened a complaint itself: a
// household acknowledged receiving less than the payment settled to it.
type Shortfall struct {
	Household       string     `json:"household"` // file number
	PaidFen         domain.Fen `json:"paidFen"`
	AcknowledgedFen domain.Fen `json:"acknowledgedFen"`
	// PaymentEventID is the settlement, AcknowledgementEventID the
	// household's acknowledgement: the two facts that disagree.
	PaymentEventID         events.ID `json:"paymentEventId"`
	AcknowledgementEventID events.ID `json:"acknowledgementEventId"`
}

// Received: a complaint arrived (or, with ChannelSystem, the fund ledger
// opened one). It records the due dates computed when it arrived.
type Received struct {
	ComplaintID string      `json:"complaintId"`
	Channel     Channel     `json:"channel"`
	Category    Category    `json:"category"`
	Subject     Subject     `json:"subject"`
	Division    string      `json:"division"` // the place concerned, for routing and jurisdiction
	Complainant Complainant `json:"complainant"`
	Text        string      `json:"text"`
	ReceivedAt  time.Time   `json:"receivedAt"`
	// AcknowledgeBy and ResolveBy are the deadlines, from DueDates.
	AcknowledgeBy time.Time  `json:"acknowledgeBy"`
	ResolveBy     time.Time  `json:"resolveBy"`
	Shortfall     *Shortfall `json:"shortfall,omitempty"` // only with ChannelSystem
}

// EventType implements events.Payload.
func (*Received) EventType() string { return TypeComplaintReceived }

// Validate reports every bad field at once.
func (p *Received) Validate() error {
	var ps domain.Problems
	division := p.check(&ps)
	checkSystem(&ps, p, division)
	return ps.Err()
}

// check adds the problems of every field but the system-complaint shape, and
// returns the division (zero if it is bad).
func (p *Received) check(ps *domain.Problems) domain.DivisionCode {
	if _, err := ParseID(p.ComplaintID); err != nil {
		ps.Add("complaintId", err)
	}
	if !p.Channel.Valid() {
		ps.Addf("channel", CodeChannelUnknown, "channel %q is not one of phone_12317, letter, web, in_person", p.Channel)
	}
	if !p.Category.Valid() {
		ps.Addf("category", CodeCategoryUnknown, "category %q is not one of %v", p.Category, Categories())
	}
	division, err := domain.ParseDivisionCode(p.Division)
	if err != nil {
		ps.Add("division", err)
	}
	checkSubject(ps, p.Subject, division)
	checkComplainant(ps, p.Complainant, p.ReceivedAt)
	checkText(ps, "text", p.Text, TextRunesMax, CodeTextRequired)
	if p.ReceivedAt.IsZero() {
		ps.Addf("receivedAt", CodeAtRequired, "the time the complaint was received is missing")
	} else if !p.AcknowledgeBy.After(p.ReceivedAt) || !p.ResolveBy.After(p.ReceivedAt) {
		ps.Addf("acknowledgeBy", CodeDueDatesInvalid, "due dates %s and %s are not after receipt at %s", p.AcknowledgeBy, p.ResolveBy, p.ReceivedAt)
	}
	return division
}

func checkSubject(ps *domain.Problems, s Subject, division domain.DivisionCode) {
	var place domain.DivisionCode // the village the subject lies in, if its reference says
	switch s.Kind {
	case SubjectHousehold:
		n, err := domain.ParseFileNumber(s.Ref)
		if err != nil {
			ps.Add("subject.ref", err)
			return
		}
		place = n.Village()
	case SubjectVillage:
		c, err := domain.ParseDivisionCode(s.Ref)
		if err != nil {
			ps.Add("subject.ref", err)
			return
		}
		if c.Level() != domain.LevelVillage {
			ps.Addf("subject.ref", CodeSubjectRefInvalid, "%s names a %s, not a village", s.Ref, c.Level())
			return
		}
		place = c
	case SubjectProject, SubjectPayment:
		if !refShape.MatchString(s.Ref) {
			ps.Addf("subject.ref", CodeSubjectRefInvalid, "a %s reference is 1 to %d letters, digits and . _ : / -, got %q", s.Kind, RefBytesMax, s.Ref)
		}
		return
	default:
		ps.Addf("subject.kind", CodeSubjectKindUnknown, "subject kind %q is not one of household, village, project, payment", s.Kind)
		return
	}
	if !division.IsZero() && !division.Jurisdiction().Contains(place) {
		ps.Addf("subject.ref", CodeSubjectOutsideDivision, "%s %s does not lie in division %s", s.Kind, s.Ref, division)
	}
}

var refShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`)

// phoneShape accepts a mobile (13812345678), a landline with its area code
// (0857-1234567) or an international number (+86 138 1234 5678).
var phoneShape = regexp.MustCompile(`^\+?[0-9][0-9 -]{3,18}[0-9]$`)

func checkComplainant(ps *domain.Problems, c Complainant, receivedAt time.Time) {
	switch c.Kind {
	case ComplainantRealName:
		if strings.TrimSpace(c.Name) == "" {
			ps.Addf("complainant.name", CodeNameRequired, "a real-name complainant's name is missing")
		} else if utf8.RuneCountInString(c.Name) > NameRunesMax || !utf8.ValidString(c.Name) {
			ps.Addf("complainant.name", CodeTextTooLong, "a name has at most %d characters", NameRunesMax)
		}
		if c.Phone == "" {
			ps.Addf("complainant.phone", CodePhoneRequired, "a real-name complainant's phone number is missing: the reply goes there")
		} else if !phoneShape.MatchString(c.Phone) {
			ps.Addf("complainant.phone", CodePhoneInvalid, "%q is not a phone number of 5 to %d digits, spaces and hyphens", c.Phone, PhoneBytesMax)
		}
		if c.ResidentID != "" {
			if _, err := domain.ParseResidentID(c.ResidentID, receivedAt); err != nil {
				ps.Add("complainant.residentId", err)
			}
		}
	case ComplainantAnonymous, ComplainantSystem:
		personal := []struct{ field, value string }{{"name", c.Name}, {"phone", c.Phone}, {"residentId", c.ResidentID}}
		for _, f := range personal {
			if f.value != "" {
				ps.Addf("complainant."+f.field, CodeAnonymousPersonalField, "a %s complaint carries no personal data, so it cannot have a %s", c.Kind, f.field)
			}
		}
	default:
		ps.Addf("complainant.kind", CodeComplainantKindUnknown, "complainant kind %q is not real_name or anonymous", c.Kind)
	}
}

// checkSystem holds ChannelSystem, ComplainantSystem and a Shortfall
// together: one of them without the others is not a fact the ledger records.
func checkSystem(ps *domain.Problems, p *Received, division domain.DivisionCode) {
	system := p.Channel == ChannelSystem
	if (p.Complainant.Kind == ComplainantSystem) != system {
		ps.Addf("complainant.kind", CodeSystemComplaintShape, "only a system complaint has a system complainant, and it always has")
	}
	if (p.Shortfall != nil) != system {
		ps.Addf("shortfall", CodeSystemComplaintShape, "only a system complaint has a shortfall, and it always has")
	}
	if !system || p.Shortfall == nil {
		return
	}
	if p.Category != CategoryMoneyDeducted {
		ps.Addf("category", CodeSystemComplaintShape, "a system complaint is about money deducted, not %q", p.Category)
	}
	if p.Subject.Kind != SubjectPayment {
		ps.Addf("subject.kind", CodeSystemComplaintShape, "a system complaint names a payment, not a %q", p.Subject.Kind)
	}
	checkShortfall(ps, *p.Shortfall, division)
}

func checkShortfall(ps *domain.Problems, s Shortfall, division domain.DivisionCode) {
	if n, err := domain.ParseFileNumber(s.Household); err != nil {
		ps.Add("shortfall.household", err)
	} else if !division.IsZero() && !division.Jurisdiction().Contains(n.Village()) {
		ps.Addf("shortfall.household", CodeSubjectOutsideDivision, "household %s does not lie in division %s", s.Household, division)
	}
	if s.AcknowledgedFen < 0 || s.PaidFen <= s.AcknowledgedFen {
		ps.Addf("shortfall.acknowledgedFen", CodeNoShortfall, "acknowledged %s of %s yuan paid is no shortfall", s.AcknowledgedFen, s.PaidFen)
	}
	if s.PaymentEventID.IsZero() {
		ps.Addf("shortfall.paymentEventId", CodeEventIDRequired, "the payment's event ID is missing")
	}
	if s.AcknowledgementEventID.IsZero() {
		ps.Addf("shortfall.acknowledgementEventId", CodeEventIDRequired, "the acknowledgement's event ID is missing")
	}
}

// checkText requires s to be non-blank valid UTF-8 of at most max runes.
func checkText(ps *domain.Problems, field, s string, max int, requiredCode string) {
	switch {
	case strings.TrimSpace(s) == "":
		ps.Addf(field, requiredCode, "%s is missing", field)
	case !utf8.ValidString(s) || utf8.RuneCountInString(s) > max:
		ps.Addf(field, CodeTextTooLong, "%s has more than %d characters or is not UTF-8", field, max)
	}
}

func checkAt(ps *domain.Problems, field string, at time.Time) {
	if at.IsZero() {
		ps.Addf(field, CodeAtRequired, "%s is missing", field)
	}
}

// Acknowledged: the desk told the complainant the complaint is registered
// (with its number).
type Acknowledged struct {
	AcknowledgedAt time.Time `json:"acknowledgedAt"`
}

// EventType implements events.Payload.
func (*Acknowledged) EventType() string { return TypeComplaintAcknowledged }

// Validate reports every bad field at once.
func (p *Acknowledged) Validate() error {
	var ps domain.Problems
	checkAt(&ps, "acknowledgedAt", p.AcknowledgedAt)
	return ps.Err()
}

// Assignee is who investigates: an officer, a unit (a township office, the
// county finance bureau), or an officer within a unit.
type Assignee struct {
	OfficerID string `json:"officerId,omitempty"`
	Unit      string `json:"unit,omitempty"`
}

// IsZero reports whether no one is assigned.
func (a Assignee) IsZero() bool { return a == Assignee{} }

// Assigned: the complaint was given to an assignee to investigate; a later
// Assigned reassigns it.
type Assigned struct {
	Assignee   Assignee  `json:"assignee"`
	AssignedAt time.Time `json:"assignedAt"`
}

// EventType implements events.Payload.
func (*Assigned) EventType() string { return TypeComplaintAssigned }

// Validate reports every bad field at once.
func (p *Assigned) Validate() error {
	var ps domain.Problems
	if strings.TrimSpace(p.Assignee.OfficerID) == "" && strings.TrimSpace(p.Assignee.Unit) == "" {
		ps.Addf("assignee", CodeAssigneeRequired, "an officer or a unit to investigate is missing")
	}
	if len(p.Assignee.OfficerID) > AssigneeBytesMax {
		ps.Addf("assignee.officerId", CodeTextTooLong, "an officer ID has at most %d bytes", AssigneeBytesMax)
	}
	if len(p.Assignee.Unit) > AssigneeBytesMax {
		ps.Addf("assignee.unit", CodeTextTooLong, "a unit has at most %d bytes", AssigneeBytesMax)
	}
	checkAt(&ps, "assignedAt", p.AssignedAt)
	return ps.Err()
}

// InvestigationNoted: an investigator recorded what they found or did (a
// visit, a call, a document seen). A complaint has any number of notes.
type InvestigationNoted struct {
	Text    string    `json:"text"`
	NotedAt time.Time `json:"notedAt"`
}

// EventType implements events.Payload.
func (*InvestigationNoted) EventType() string { return TypeComplaintInvestigationNoted }

// Validate reports every bad field at once.
func (p *InvestigationNoted) Validate() error {
	var ps domain.Problems
	checkText(&ps, "text", p.Text, TextRunesMax, CodeTextRequired)
	checkAt(&ps, "notedAt", p.NotedAt)
	return ps.Err()
}

// Resolved: the investigation found the complaint upheld — and names the
// corrective events it caused (a household re-enrolled, a payment made
// good), so that anyone can follow the complaint to its effect — or not
// upheld, with the reason. Reply is what the complainant is told.
type Resolved struct {
	Outcome            Outcome     `json:"outcome"`
	CorrectiveEventIDs []events.ID `json:"correctiveEventIds,omitempty"`
	Reason             string      `json:"reason,omitempty"`
	Reply              string      `json:"reply"`
	ResolvedAt         time.Time   `json:"resolvedAt"`
}

// EventType implements events.Payload.
func (*Resolved) EventType() string { return TypeComplaintResolved }

// Validate reports every bad field at once.
func (p *Resolved) Validate() error {
	var ps domain.Problems
	switch p.Outcome {
	case OutcomeUpheld:
		if len(p.CorrectiveEventIDs) == 0 {
			ps.Addf("correctiveEventIds", CodeUpheldWithoutCorrection, "an upheld complaint links at least one corrective event")
		}
	case OutcomeNotUpheld:
		if len(p.CorrectiveEventIDs) > 0 {
			ps.Addf("correctiveEventIds", CodeCorrectionWithoutUpheld, "a complaint not upheld caused no correction")
		}
		checkText(&ps, "reason", p.Reason, ReasonRunesMax, CodeReasonRequired)
	default:
		ps.Addf("outcome", CodeOutcomeUnknown, "outcome %q is not upheld or not_upheld", p.Outcome)
	}
	if p.Outcome == OutcomeUpheld && p.Reason != "" {
		checkText(&ps, "reason", p.Reason, ReasonRunesMax, CodeReasonRequired)
	}
	if len(p.CorrectiveEventIDs) > CorrectiveEventsMax {
		ps.Addf("correctiveEventIds", CodeCorrectiveEventsTooMany, "%d corrective events, above the limit of %d", len(p.CorrectiveEventIDs), CorrectiveEventsMax)
	}
	seen := make(map[events.ID]bool, len(p.CorrectiveEventIDs))
	for i, id := range p.CorrectiveEventIDs {
		f := "correctiveEventIds[" + strconv.Itoa(i) + "]"
		switch {
		case id.IsZero():
			ps.Addf(f, CodeEventIDRequired, "the corrective event's ID is missing")
		case seen[id]:
			ps.Addf(f, CodeCorrectiveEventDuplicate, "event %s is linked twice", id)
		}
		seen[id] = true
	}
	checkText(&ps, "reply", p.Reply, TextRunesMax, CodeReplyRequired)
	checkAt(&ps, "resolvedAt", p.ResolvedAt)
	return ps.Err()
}

// Closed: the complainant was given the reply (or, for an anonymous
// complaint, there was no one to give it to).
type Closed struct {
	ReplyMethod ReplyMethod `json:"replyMethod"`
	ClosedAt    time.Time   `json:"closedAt"`
}

// EventType implements events.Payload.
func (*Closed) EventType() string { return TypeComplaintClosed }

// Validate reports every bad field at once.
func (p *Closed) Validate() error {
	var ps domain.Problems
	if !p.ReplyMethod.Valid() {
		ps.Addf("replyMethod", CodeReplyMethodUnknown, "reply method %q is not one of phone, letter, web, in_person, none", p.ReplyMethod)
	}
	checkAt(&ps, "closedAt", p.ClosedAt)
	return ps.Err()
}

// Appealed: the complainant did not accept the resolution; the investigation
// is open again, with a new resolve-by.
type Appealed struct {
	Reason     string    `json:"reason"`
	AppealedAt time.Time `json:"appealedAt"`
	ResolveBy  time.Time `json:"resolveBy"`
}

// EventType implements events.Payload.
func (*Appealed) EventType() string { return TypeComplaintAppealed }

// Validate reports every bad field at once.
func (p *Appealed) Validate() error {
	var ps domain.Problems
	checkText(&ps, "reason", p.Reason, ReasonRunesMax, CodeReasonRequired)
	checkAt(&ps, "appealedAt", p.AppealedAt)
	if !p.AppealedAt.IsZero() && !p.ResolveBy.After(p.AppealedAt) {
		ps.Addf("resolveBy", CodeDueDatesInvalid, "resolve-by %s is not after the appeal at %s", p.ResolveBy, p.AppealedAt)
	}
	return ps.Err()
}
