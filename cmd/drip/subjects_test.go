package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/api"
	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/complaint"
	"github.com/drip-ledger/drip/domain/fund"
	rt "github.com/drip-ledger/drip/domain/reconcile/reconciletest"
	"github.com/drip-ledger/drip/events"
)

// registerComplainedHousehold registers household 520526104201-0007, the
// subject of fileComplaint's complaints: a complaint about a household not
// on file is refused (subject_not_found).
func registerComplainedHousehold(t *testing.T, base string, key ed25519.PrivateKey, now time.Time) {
	t.Helper()
	tok, err := api.IssueToken(key, api.Claims{User: "enum.wang", Role: domain.RoleEnumerator, Jurisdiction: "520526104201",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	first := "520526" + "19700302" + "011"
	c, err := domain.ResidentIDCheck(first)
	if err != nil {
		t.Fatal(err)
	}
	head := map[string]any{"name": "Zhang San", "residentId": first + string(c), "birthDate": "1970-03-02", "relation": "head",
		"sex": "male", "education": "primary", "health": "healthy", "labourAbility": "full", "schooling": "not_in_school"}
	body, _ := json.Marshal(map[string]any{"fileNumber": "520526104201-0007", "village": "520526104201", "head": head})
	req, _ := http.NewRequest(http.MethodPost, base+"/households", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("registering the complained-of household: %d %s", resp.StatusCode, b)
	}
}

// TestComplaintAboutAHouseholdNotOnFileIsRefused: the server looks the
// subject up in the log before it records a complaint.
func TestComplaintAboutAHouseholdNotOnFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, dir)
	key, err := loadOrCreateKey(dir + "/" + tokenKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := api.IssueToken(key, api.Claims{User: "desk.zhang", Role: domain.RoleComplaintDesk, Jurisdiction: "520526",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix()})
	if status, body, err := fileComplaint(http.DefaultClient, srv, tok, "12317-2026-000001"); err != nil || status != 422 ||
		!bytes.Contains([]byte(body), []byte("subject_not_found")) {
		t.Fatalf("complaint about no household: %d %s %v", status, body, err)
	}
	registerComplainedHousehold(t, srv, key, now)
	complain(t, srv, tok, "12317-2026-000001")
}

// TestSubjectsFindsProjectsAndPaymentsInTheLog: a project is found with
// its villages, a payment with its household's village, and neither when
// the log does not hold them.
func TestSubjectsFindsProjectsAndPaymentsInTheLog(t *testing.T) {
	ctx := context.Background()
	reg := registry()
	store := events.NewMemoryStore(reg, nil)
	defer store.Close()
	proj, err := fund.ParseProjectID("520526-2024-0042")
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := domain.ParseDivisionCode("520526104201")
	v2, _ := domain.ParseDivisionCode("520526104202")
	file, _ := domain.NewFileNumber(v2, 7)
	allocation := "520526-AL-000001"
	fen := domain.Fen(100_000)
	ref := fund.PaymentRef(proj, 1)
	payloads := []events.Payload{
		&fund.ProjectProposed{Project: proj, Name: "Walnuts", Kind: fund.KindIndustry, Villages: []domain.DivisionCode{v1, v2}, BudgetFen: fen},
		&fund.AllocationReceived{Project: proj, Allocation: allocation, AllocationEventID: events.DeriveID(events.NilID, allocation),
			AmountFen: fen, Lots: []fund.Lot{{Allocation: allocation, Document: "doc", AmountFen: fen}}},
		&fund.PaymentInstructed{Project: proj, Ref: ref, Payee: fund.PayeeHousehold, Household: file,
			Account: fund.BankAccount{Number: rt.Account(7), Bank: "Weining RCC", HolderName: "Zhang 7"}, AmountFen: fen,
			Purpose: fund.PurposeProductionSubsidy, Period: "2024", Installment: true,
			Lots:     []fund.Lot{{Allocation: allocation, Document: "doc", AmountFen: fen}},
			Transfer: fund.Transfer{DebitAccount: fund.ProjectAccount(proj), CreditAccount: fund.TransitAccount(proj), AmountFen: fen}},
	}
	for i, p := range payloads {
		ev, err := reg.Encode(events.DeriveID(events.NilID, fmt.Sprint(i)), events.Metadata{ActorID: "t", OccurredAt: time.Now()}, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, fund.ProjectStream(proj), events.Exact(uint64(i)), ev); err != nil {
			t.Fatal(err)
		}
	}
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	s := subjects{log: store, reg: reg, x: x}
	cases := []struct {
		name  string
		sub   complaint.Subject
		found bool
		want  []domain.DivisionCode
	}{
		{"a project with its villages", complaint.Subject{Kind: complaint.SubjectProject, Ref: proj.String()}, true, []domain.DivisionCode{v1, v2}},
		{"a project not in the log", complaint.Subject{Kind: complaint.SubjectProject, Ref: "520526-2024-0043"}, false, nil},
		{"a payment with its household's village", complaint.Subject{Kind: complaint.SubjectPayment, Ref: ref}, true, []domain.DivisionCode{v2}},
		{"a payment its project never instructed", complaint.Subject{Kind: complaint.SubjectPayment, Ref: fund.PaymentRef(proj, 2)}, false, nil},
		{"a household not in the log", complaint.Subject{Kind: complaint.SubjectHousehold, Ref: file.String()}, false, nil},
	}
	for _, c := range cases {
		places, found, err := s.Places(ctx, c.sub)
		if err != nil || found != c.found || !slices.Equal(places, c.want) {
			t.Errorf("%s: %v %v %v, want %v %v", c.name, places, found, err, c.want, c.found)
		}
	}
}
