package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// subjectScanEventsMax bounds how much of a project's stream is read to
// find the payment a complaint names: the executor's own bound on a stream.
const subjectScanEventsMax = 200_000

// subjects answers complaint.Subjects from the log: a household exists if
// its stream does, a project if its stream does (its villages from its
// proposal), a payment if its project's stream instructed it (its place:
// the paid household's village, else the project's villages).
type subjects struct {
	log interface {
		ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
	}
	reg *events.Registry
}

var _ complaint.Subjects = subjects{}

func (s subjects) Places(ctx context.Context, sub complaint.Subject) ([]domain.DivisionCode, bool, error) {
	switch sub.Kind {
	case complaint.SubjectHousehold:
		file, err := domain.ParseFileNumber(sub.Ref)
		if err != nil {
			return nil, false, nil
		}
		evs, err := s.log.ReadStream(ctx, household.Stream(file), 1, events.Forwards, 1)
		if errors.Is(err, events.ErrStreamNotFound) || (err == nil && len(evs) == 0) {
			return nil, false, nil
		}
		return []domain.DivisionCode{file.Village()}, err == nil, err
	case complaint.SubjectProject:
		p, err := fund.ParseProjectID(sub.Ref)
		if err != nil {
			return nil, false, nil
		}
		return s.payment(ctx, p, "")
	case complaint.SubjectPayment:
		p, _, err := fund.ParsePaymentRef(sub.Ref)
		if err != nil {
			return nil, false, nil
		}
		return s.payment(ctx, p, sub.Ref)
	}
	return nil, true, nil
}

// payment reads project p's stream: its villages, and if ref is set, the
// place of the payment ref (found false if p never instructed it).
func (s subjects) payment(ctx context.Context, p fund.ProjectID, ref string) ([]domain.DivisionCode, bool, error) {
	var villages []domain.DivisionCode
	for from := uint64(1); from <= subjectScanEventsMax; {
		evs, err := s.log.ReadStream(ctx, fund.ProjectStream(p), from, events.Forwards, events.ReadEventsMax)
		if errors.Is(err, events.ErrStreamNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		for _, ev := range evs {
			if ev.Type != fund.TypeProjectProposed && ev.Type != fund.TypePaymentInstructed {
				continue
			}
			pl, err := s.reg.Decode(ev)
			if err != nil {
				return nil, false, fmt.Errorf("complaint subject %s: %w", p, err)
			}
			switch e := pl.(type) {
			case *fund.ProjectProposed:
				villages = e.Villages
				if ref == "" {
					return villages, true, nil
				}
			case *fund.PaymentInstructed:
				if e.Ref != ref {
					continue
				}
				if e.Payee == fund.PayeeHousehold && !e.Household.IsZero() {
					return []domain.DivisionCode{e.Household.Village()}, true, nil
				}
				return villages, true, nil
			}
		}
		if len(evs) < events.ReadEventsMax {
			break
		}
		from = evs[len(evs)-1].Version + 1
	}
	return nil, false, nil
}
