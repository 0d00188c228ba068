package fund

import (
	"slices"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
)

// HouseholdFacts is what the fund ledger needs to know of a household to
// assign or pay it, read from the household's own stream by the caller
// (Service does, with HouseholdFactsOf) and passed into the pure decision.
// The decision never trusts a caller to say "eligible": it applies the rule
// to these facts itself.
type HouseholdFacts struct {
	File   domain.FileNumber
	Status household.Status
	// ExitedAt is when the household's last exit was recorded: the exit
	// event's Meta.OccurredAt, which is the request's recorded time (the
	// store's clock, domain.Request.At), never a date the caller sends, so
	// the support period cannot be stretched or shortened by a request.
	// Zero if it never exited.
	ExitedAt time.Time
	// Account is its "one card" account, nil if it has none.
	Account *BankAccount
}

// HouseholdFactsOf reads the facts from a household's state.
func HouseholdFactsOf(s household.State) HouseholdFacts {
	f := HouseholdFacts{File: s.File(), Status: s.Status()}
	for _, c := range s.Changes() {
		if c.Status == household.StatusExited {
			f.ExitedAt = c.OccurredAt
		}
	}
	if a, ok := s.Account(); ok {
		f.Account = &BankAccount{Number: a.Number, Bank: a.Bank, HolderName: a.HolderName}
	}
	return f
}

// enrolledStatuses are poor households in the file: enrolled or returned to
// poverty, and those whose exit is being decided (they are poor until it
// is approved).
var enrolledStatuses = []household.Status{household.StatusEnrolled, household.StatusReturned,
	household.StatusExitProposed, household.StatusExitPublicized}

// exitedStatuses may be paid within Config.ExitSupportYears of the exit.
var exitedStatuses = []household.Status{household.StatusExited, household.StatusMonitored}

// eligible is the rule: the household may be helped at e.At if it is
// enrolled (enrolledStatuses) or exited less than Config.ExitSupportYears
// ago. Facts about another household than file are refused too: they can
// only come from a caller's mistake.
func (f HouseholdFacts) eligible(file domain.FileNumber, e Env) error {
	switch {
	case f.File != file:
		return errorf(CodeHouseholdNotEligible, "household %s is not in the file", file)
	case slices.Contains(enrolledStatuses, f.Status):
		return nil
	case slices.Contains(exitedStatuses, f.Status) && !f.ExitedAt.IsZero():
		until := f.ExitedAt.AddDate(e.Config.ExitSupportYears, 0, 0)
		if e.At.Before(until) {
			return nil
		}
		return errorf(CodeHouseholdNotEligible, "household %s exited on %s; its support ended on %s",
			file, f.ExitedAt.Format(time.DateOnly), until.Format(time.DateOnly))
	}
	status := string(f.Status)
	if status == "" {
		status = "not in the file"
	}
	return errorf(CodeHouseholdNotEligible, "household %s is %s, not enrolled", file, status)
}
