package household_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// registerAs is registerCmd under another file number, with the same
// members (the same resident IDs).
func registerAs(file string) household.RegisterHousehold {
	c := registerCmd()
	c.FileNumber = file
	return c
}

// Given a living household whose head has a resident ID, when another
// household registers with that head, then it is refused naming the field,
// and nothing is written.
func TestSecondHouseholdWithALivingHouseholdsResidentIsRefused(t *testing.T) {
	svc, store := newService(t)
	ctx := context.Background()
	if _, err := svc.Register(ctx, request("520526"), registerCmd()); err != nil {
		t.Fatal(err)
	}
	head, _ := store.Head(ctx)
	_, err := svc.Register(ctx, request("520526"), registerAs("520526104201-0008"))
	if got := domain.Codes(err); !slices.Contains(got, household.CodeResidentInHousehold) {
		t.Fatalf("codes = %q (%v); want %s", got, err, household.CodeResidentInHousehold)
	}
	if msg := err.Error(); !strings.Contains(msg, "head.residentId") || !strings.Contains(msg, "members[0].residentId") {
		t.Errorf("error %q; want head.residentId and members[0].residentId named at once", msg)
	}
	if h, _ := store.Head(ctx); h != head {
		t.Errorf("head moved from %d to %d on a refused registration", head, h)
	}
}

// Given a household that was removed, when its residents register as a new
// household, then that is accepted: a removed household holds no IDs.
func TestResidentsOfARemovedHouseholdMayRegisterAgain(t *testing.T) {
	svc, store := newService(t)
	ctx := context.Background()
	if _, err := svc.Register(ctx, request("520526"), registerCmd()); err != nil {
		t.Fatal(err)
	}
	first, _ := domain.ParseFileNumber(fileText)
	rm := eventsOf(t, []events.Payload{&household.Removed{Reason: household.RemovalMovedAway, Explanation: "moved", ApprovedBy: "Zhao", EvidenceRef: "e"}})
	rm[0].ID = events.DeriveID(ns, "removed")
	if _, err := store.Append(ctx, household.Stream(first), events.Exact(1), rm...); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Register(ctx, request("520526"), registerAs("520526104201-0008")); err != nil {
		t.Fatalf("registration after removal: %v", err)
	}
}

// 100 households racing to register with the same resident IDs: exactly one
// wins (the issue saw a second household registered with an existing head).
func TestRacingRegistrationsWithOneResidentIDGiveOneHousehold(t *testing.T) {
	svc, store := newService(t)
	const requests = 100
	var wg sync.WaitGroup
	errs := make([]error, requests)
	for i := range requests {
		wg.Go(func() {
			_, errs[i] = svc.Register(context.Background(), request("520526"), registerAs(fmt.Sprintf("520526104201-%04d", i+1)))
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case slices.Contains(domain.Codes(err), household.CodeResidentInHousehold):
		default:
			if !errors.Is(err, events.ErrConcurrency) {
				t.Errorf("request %d: %v", i, err)
			}
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d racing registrations succeeded; want exactly 1", wins, requests)
	}
	all, _ := store.ReadAll(context.Background(), 1, 1000)
	registered := 0
	for _, ev := range all {
		if ev.Type == household.TypeHouseholdRegistered {
			registered++
		}
	}
	if registered != 1 {
		t.Errorf("%d registrations in the log; want 1", registered)
	}
}
