package complaint

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// Rules is the configuration decisions depend on: deadlines per category and
// the holiday calendar.
type Rules struct {
	Deadlines Deadlines
	Holidays  Holidays
}

// Validate reports every bad setting at once.
func (r Rules) Validate() error {
	var ps domain.Problems
	if err := r.Deadlines.Validate(); err != nil {
		ps.Add("deadlines", err)
	}
	return ps.Err()
}

// Env is what a decision needs besides the state and the command: the
// complaint's number, the business time of the act (domain.Request.At) and
// the rules in force. The caller supplies all three, so decisions stay pure.
type Env struct {
	ID    ID
	At    time.Time
	Rules Rules
	// Subject is what the service learnt of a new complaint's subject.
	Subject SubjectFacts
}

// Command is one thing an actor asks of a complaint.
//
// Decide is pure: from the state (the fold of the complaint's events), the
// command and the Env it returns the events to record, or
//   - a *domain.Error for a broken state rule: complaint_not_found,
//     complaint_exists, wrong_status, already_assigned, appeals_exhausted,
//     before_received;
//   - an *events.InvalidError naming every bad field of the command at once
//     (domain.Codes lists the codes).
//
// State rules are checked first: a command that may not be issued now is
// refused as such, whatever its fields.
type Command interface {
	// Name is the command's key in Permissions.
	Name() string
	Decide(s State, e Env) ([]events.Payload, error)
}

// The command names, as Permissions and the API know them.
const (
	CommandReceive           = "receive"
	CommandOpenAutomatically = "open_automatically"
	CommandAcknowledge       = "acknowledge"
	CommandAssign            = "assign"
	CommandAddNote           = "add_note"
	CommandResolve           = "resolve"
	CommandClose             = "close"
	CommandAppeal            = "appeal"
)

// Receive records a complaint that arrived by phone, letter, web or in
// person. Its due dates are computed from Env.At and Env.Rules.
type Receive struct {
	Channel     Channel
	Category    Category
	Subject     Subject
	Division    string // 12-digit division code of the place concerned
	Complainant Complainant
	Text        string
}

// Name implements Command.
func (Receive) Name() string { return CommandReceive }

// Decide implements Command.
func (c Receive) Decide(s State, e Env) ([]events.Payload, error) {
	if s.Exists() {
		return nil, domain.Errorf(CodeExists, "complaint %s was already received", s.id)
	}
	p := &Received{ComplaintID: e.ID.String(), Channel: c.Channel, Category: c.Category, Subject: c.Subject,
		Division: c.Division, Complainant: c.Complainant, Text: c.Text, ReceivedAt: e.At}
	due := DueDates(e.At, c.Category, e.Rules.Deadlines, e.Rules.Holidays)
	p.AcknowledgeBy, p.ResolveBy = due.AcknowledgeBy, due.ResolveBy
	var ps domain.Problems
	p.check(&ps)
	checkNew(&ps, e, c.Subject, c.Division)
	// The system channel and complainant belong to OpenAutomatically: a
	// person cannot file a complaint in the fund ledger's name.
	if c.Channel == ChannelSystem {
		ps.Addf("channel", CodeChannelReserved, "channel system is for complaints the fund ledger opens itself")
	}
	if c.Complainant.Kind == ComplainantSystem {
		ps.Addf("complainant.kind", CodeComplainantKindReserved, "complainant kind system is for complaints the fund ledger opens itself")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{p}, nil
}

// OpenAutomatically records a complaint the fund ledger opens itself when a
// household acknowledges less than the payment settled to it: channel
// system, category money_deducted, the payment as subject, the household's
// village as the place concerned, and a text that states the figures.
type OpenAutomatically struct {
	PaymentRef string
	Shortfall  Shortfall
}

// Name implements Command.
func (OpenAutomatically) Name() string { return CommandOpenAutomatically }

// Decide implements Command.
func (c OpenAutomatically) Decide(s State, e Env) ([]events.Payload, error) {
	if s.Exists() {
		return nil, domain.Errorf(CodeExists, "complaint %s was already received", s.id)
	}
	sf := c.Shortfall
	var division string
	if n, err := domain.ParseFileNumber(sf.Household); err == nil {
		division = n.Village().String()
	}
	due := DueDates(e.At, CategoryMoneyDeducted, e.Rules.Deadlines, e.Rules.Holidays)
	p := &Received{ComplaintID: e.ID.String(), Channel: ChannelSystem, Category: CategoryMoneyDeducted,
		Subject: Subject{Kind: SubjectPayment, Ref: c.PaymentRef}, Division: division,
		Complainant: Complainant{Kind: ComplainantSystem},
		Text: fmt.Sprintf("Opened by the fund ledger: household %s acknowledged %s yuan of the %s yuan settled by payment %s "+
			"(settlement %s, acknowledgement %s); %s yuan are unaccounted for.",
			sf.Household, sf.AcknowledgedFen, sf.PaidFen, c.PaymentRef, sf.PaymentEventID, sf.AcknowledgementEventID,
			sf.PaidFen-sf.AcknowledgedFen),
		ReceivedAt: e.At, AcknowledgeBy: due.AcknowledgeBy, ResolveBy: due.ResolveBy, Shortfall: &sf}
	if err := p.Validate(); err != nil {
		if division == "" {
			// The division is derived from the household: its problem is
			// already reported at shortfall.household.
			err = without(err, "division")
		}
		return nil, err
	}
	return []events.Payload{p}, nil
}

// without drops the problems of field from an *events.InvalidError.
func without(err error, field string) error {
	var inv *events.InvalidError
	if !errors.As(err, &inv) {
		return err
	}
	ps := slices.DeleteFunc(slices.Clone(inv.Problems), func(p events.Problem) bool { return p.Field == field })
	return domain.Problems(ps).Err()
}

// Acknowledge records that the complainant was told the complaint is
// registered.
type Acknowledge struct{}

// Name implements Command.
func (Acknowledge) Name() string { return CommandAcknowledge }

// Decide implements Command.
func (Acknowledge) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandAcknowledge, StatusReceived); err != nil {
		return nil, err
	}
	return validated(&Acknowledged{AcknowledgedAt: e.At})
}

// Assign gives the complaint to an officer or unit to investigate, or to
// another one (reassignment) while the investigation is open.
type Assign struct {
	Assignee Assignee
}

// Name implements Command.
func (Assign) Name() string { return CommandAssign }

// Decide implements Command.
func (c Assign) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandAssign, StatusAcknowledged, StatusAssigned, StatusAppealed); err != nil {
		return nil, err
	}
	if !c.Assignee.IsZero() && c.Assignee == s.assignee {
		return nil, domain.Errorf(CodeAlreadyAssigned, "complaint %s is already assigned to %+v", s.id, s.assignee)
	}
	return validated(&Assigned{Assignee: c.Assignee, AssignedAt: e.At})
}

// AddNote records an investigation note. Notes may be added from receipt
// until the complaint is resolved (and again after an appeal): the finding,
// once recorded, is not amended by notes.
type AddNote struct {
	Text string
}

// Name implements Command.
func (AddNote) Name() string { return CommandAddNote }

// Decide implements Command.
func (c AddNote) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandAddNote, StatusReceived, StatusAcknowledged, StatusAssigned, StatusAppealed); err != nil {
		return nil, err
	}
	return validated(&InvestigationNoted{Text: c.Text, NotedAt: e.At})
}

// Resolve records the finding of the investigation and the reply to give.
type Resolve struct {
	Outcome Outcome
	// CorrectiveEventIDs are the events the upheld complaint caused (at
	// least one); none if not upheld.
	CorrectiveEventIDs []events.ID
	// Reason is required if not upheld, optional if upheld.
	Reason string
	Reply  string
}

// Name implements Command.
func (Resolve) Name() string { return CommandResolve }

// Decide implements Command.
func (c Resolve) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandResolve, StatusAssigned, StatusAppealed); err != nil {
		return nil, err
	}
	return validated(&Resolved{Outcome: c.Outcome, CorrectiveEventIDs: slices.Clone(c.CorrectiveEventIDs),
		Reason: c.Reason, Reply: c.Reply, ResolvedAt: e.At})
}

// Close records that the complainant was given the reply. ReplyNone is
// accepted only for an anonymous complaint.
type Close struct {
	ReplyMethod ReplyMethod
}

// Name implements Command.
func (Close) Name() string { return CommandClose }

// Decide implements Command.
func (c Close) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandClose, StatusResolved); err != nil {
		return nil, err
	}
	p := &Closed{ReplyMethod: c.ReplyMethod, ClosedAt: e.At}
	var ps domain.Problems
	if err := p.Validate(); err != nil {
		ps.Add("", err)
	}
	if c.ReplyMethod == ReplyNone && !s.Anonymous() {
		ps.Addf("replyMethod", CodeReplyMethodRequired, "the complainant of %s can be answered: say how they were", s.id)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{p}, nil
}

// Appeal records that the complainant did not accept the resolution. It
// reopens the investigation with a new resolve-by: the category's resolve
// days counted from the day of the appeal. A complaint is appealed at most
// AppealsMax times.
type Appeal struct {
	Reason string
}

// Name implements Command.
func (Appeal) Name() string { return CommandAppeal }

// Decide implements Command.
func (c Appeal) Decide(s State, e Env) ([]events.Payload, error) {
	if err := may(s, e, CommandAppeal, StatusResolved, StatusClosed); err != nil {
		return nil, err
	}
	if s.appeals >= AppealsMax {
		return nil, domain.Errorf(CodeAppealsExhausted, "complaint %s was appealed %d times, the most allowed", s.id, s.appeals)
	}
	return validated(&Appealed{Reason: c.Reason, AppealedAt: e.At,
		ResolveBy: resolveBy(e.At, e.Rules.Deadlines.For(s.category))})
}

// may checks the state rules every command but receiving shares: the
// complaint exists, stands in one of the statuses the command is allowed
// from, and the act does not precede its receipt.
func may(s State, e Env, command string, from ...Status) error {
	switch {
	case !s.Exists():
		return domain.Errorf(CodeNotFound, "complaint %s was not received", e.ID)
	case !slices.Contains(from, s.status):
		return domain.Errorf(CodeWrongStatus, "complaint %s is %s: %s is allowed only when %v", s.id, s.status, command, from)
	case !e.At.IsZero() && e.At.Before(s.receivedAt):
		return domain.Errorf(CodeBeforeReceived, "%s at %s is before complaint %s was received at %s", command, e.At, s.id, s.receivedAt)
	}
	return nil
}

// validated returns p as the one event to record, or its problems.
func validated(p events.Payload) ([]events.Payload, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return []events.Payload{p}, nil
}
