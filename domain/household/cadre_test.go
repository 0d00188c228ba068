package household_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

// enrolledFiles puts n enrolled households on the store, files
// 520526104201-0001.. and returns their file numbers.
func enrolledFiles(t *testing.T, store events.Store, n int) []domain.FileNumber {
	t.Helper()
	files := make([]domain.FileNumber, n)
	for i := range files {
		f, err := domain.ParseFileNumber(fmt.Sprintf("520526104201-%04d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		evs := eventsOf(t, enrolledH(t))
		for j := range evs {
			evs[j].ID = events.DeriveID(ns, fmt.Sprintf("%s/%d", f, j))
		}
		if _, err := store.Append(t.Context(), household.Stream(f), events.NoStream, evs...); err != nil {
			t.Fatal(err)
		}
		files[i] = f
	}
	return files
}

func countyRequest() domain.Request {
	return domain.Request{Actor: domain.Actor{ID: "county-1", Role: string(domain.RoleTownship), Jurisdiction: "520526"}, At: t0}
}

func code(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Code
	}
	return ""
}

// Given a general cadre (capacity 1) helping one household, when a second
// household is assigned the same cadre, then it is refused with
// cadre_at_capacity, whatever count the caller claims; the cadre's stream
// holds the one household.
func TestAssignCadreCountsTheCadresOwnStream(t *testing.T) {
	svc, store := newService(t)
	files := enrolledFiles(t, store, 2)
	ctx := t.Context()
	wang := household.Cadre{ID: "cadre-wang", Name: "Wang", Rank: household.RankGeneral}
	if _, err := svc.AssignCadre(ctx, countyRequest(), files[0], household.AssignCadre{Cadre: wang}); err != nil {
		t.Fatalf("first assignment: %v", err)
	}
	_, err := svc.AssignCadre(ctx, countyRequest(), files[1], household.AssignCadre{Cadre: wang, HelpedCount: 0})
	if code(err) != household.CodeCadreAtCapacity {
		t.Fatalf("second assignment = %v; want %s", err, household.CodeCadreAtCapacity)
	}
	cs, err := store.ReadStream(ctx, household.CadreStream(wang.ID), 1, events.Forwards, 10)
	if err != nil || len(cs) != 1 || cs[0].Type != household.TypeCadreHouseholdTaken {
		t.Fatalf("cadre stream = %d events, %v; want one %s", len(cs), err, household.TypeCadreHouseholdTaken)
	}
}

// Given a general cadre helping household A, when A gets another cadre, then
// the first cadre's stream records the release in the same append, and the
// first cadre can take household B.
func TestReplacingACadreReleasesTheirPlace(t *testing.T) {
	svc, store := newService(t)
	files := enrolledFiles(t, store, 2)
	ctx := t.Context()
	wang := household.Cadre{ID: "cadre-wang", Name: "Wang", Rank: household.RankGeneral}
	li := household.Cadre{ID: "cadre-li", Name: "Li", Rank: household.RankSection}
	if _, err := svc.AssignCadre(ctx, countyRequest(), files[0], household.AssignCadre{Cadre: wang}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.AssignCadre(ctx, countyRequest(), files[0], household.AssignCadre{Cadre: li})
	if err != nil {
		t.Fatalf("replacement: %v", err)
	}
	if len(res.Events) != 3 {
		t.Errorf("replacement recorded %d events; want 3 (assigned, taken, released)", len(res.Events))
	}
	if _, err := svc.AssignCadre(ctx, countyRequest(), files[1], household.AssignCadre{Cadre: wang}); err != nil {
		t.Fatalf("the released cadre takes another household: %v", err)
	}
	// Assigning the cadre a household already has is still refused.
	if _, err := svc.AssignCadre(ctx, countyRequest(), files[1], household.AssignCadre{Cadre: wang}); code(err) != household.CodeCadreAssigned {
		t.Fatalf("same cadre again = %v; want %s", err, household.CodeCadreAssigned)
	}
}

// 100 racing assignments of one cadre to 100 households give exactly the
// cadre's capacity of successes (the issue saw 9 of 20 for a general cadre).
func TestRacingCadreAssignmentsRespectCapacity(t *testing.T) {
	for _, rank := range []string{household.RankGeneral, household.RankSection} {
		t.Run(rank, func(t *testing.T) {
			svc, store := newService(t)
			const requests = 100
			files := enrolledFiles(t, store, requests)
			cadre := household.Cadre{ID: "cadre-" + rank, Name: "Zhao", Rank: rank}
			var wg sync.WaitGroup
			errs := make([]error, requests)
			for i := range requests {
				wg.Go(func() {
					ctx := context.WithoutCancel(t.Context())
					for {
						_, errs[i] = svc.AssignCadre(ctx, countyRequest(), files[i], household.AssignCadre{Cadre: cadre})
						if !errors.Is(errs[i], events.ErrConcurrency) {
							return // retries exhausted under this much contention: the client retries
						}
					}
				})
			}
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case code(err) != household.CodeCadreAtCapacity:
					t.Errorf("request %d: %v", i, err)
				}
			}
			if want := household.CadreCapacity(rank); wins != want {
				t.Errorf("%d of %d racing assignments succeeded; want exactly %d", wins, requests, want)
			}
		})
	}
}
