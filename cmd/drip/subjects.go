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

// subjects answers complaint.Subjects from the log: a household exists if
// its stream does, a project if its stream does (its villages from its
// proposal), a payment if its project's stream instructed it (its place:
// the paid household's village, else the project's villages).
type subjects struct {
	log interface {
		ReadStream(ctx context.Context, stream string, from uint64, dir events.Direction, limit int) ([]events.Event, error)
	}
	reg *events.Registry
	x   *domain.Executor
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

// payment loads project p through the executor's aggregate cache (a
// complaint about a payment of a long project reads the events since, not
// the project's whole stream): its villages, and if ref is set, the place
// of the payment ref (found false if p never instructed it).
func (s subjects) payment(ctx context.Context, p fund.ProjectID, ref string) ([]domain.DivisionCode, bool, error) {
	var places []domain.DivisionCode
	found := false
	err := domain.Read(ctx, s.x, fund.ProjectStream(p), fund.ProjectAggregate, func(proj fund.Project, _ uint64) error {
		if !proj.Exists() {
			return nil
		}
		places, found = proj.Villages(), true
		if ref == "" {
			return nil
		}
		pay, ok := proj.Payment(ref)
		switch {
		case !ok:
			places, found = nil, false
		case pay.Payee == fund.PayeeHousehold && !pay.Household.IsZero():
			places = []domain.DivisionCode{pay.Household.Village()}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("complaint subject %s: %w", p, err)
	}
	return places, found, nil
}
