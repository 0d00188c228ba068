package fund_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/fund"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

func TestProjectLifecycle(t *testing.T) {
	objected := append(publicizedP(), &fund.ObjectionRaised{Number: 1, RaisedBy: "Li Si", Statement: "my household was left out"})
	resolved := append(objected, &fund.ObjectionResolved{Number: 1, Outcome: fund.OutcomeUpheld, Reason: "household added"})
	completed := append(implementingP(), &fund.ProjectCompleted{ReportRef: "works report 2026-11"})
	tests := []struct {
		name  string
		given []events.Payload
		when  fund.ProjectCommand
		at    time.Time
		then  decision
	}{
		{"a village proposes a project", nil,
			fund.Propose{ProjectName: "Walnut orchards", Kind: fund.KindIndustry, Villages: []string{villageText}, BudgetFen: 50_000_000},
			t0, then(proposedP()...)},
		{"a project number is proposed once", proposedP(),
			fund.Propose{ProjectName: "Again", Kind: fund.KindIndustry, Villages: []string{villageText}, BudgetFen: 1},
			t0, refused(fund.CodeProjectExists)},
		{"a malformed village code is named first", nil,
			fund.Propose{Kind: "casino", Villages: []string{"520527104201", "5205"}, BudgetFen: 0},
			t0, refused("villages[1] division_code_length")},
		{"fields are checked once the villages parse", nil,
			fund.Propose{Kind: "casino", Villages: []string{"520527104201"}, BudgetFen: 0},
			t0, refused("name required", "kind value_unknown", "villages[0] village_outside_county", "budgetFen amount_not_positive")},
		{"the county approves a proposed project", proposedP(), fund.Approve{ApprovalRef: "Weining PAO [2026] 9"}, t0,
			then(&fund.ProjectApproved{ApprovalRef: "Weining PAO [2026] 9"})},
		{"a project not proposed cannot be approved", nil, fund.Approve{ApprovalRef: "x"}, t0, refused(fund.CodeProjectNotFound)},
		{"an approved project is not approved again", approvedP(), fund.Approve{ApprovalRef: "x"}, t0, refused(fund.CodeWrongStatus)},
		{"a publicity of ten days is enough", approvedP(), fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"}, t0,
			then(&fund.PublicityStarted{StartsAt: pubStart, EndsAt: pubEnd, Place: "village notice board"})},
		{"a publicity of ten days less a second is too short", approvedP(),
			fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd.Add(-time.Second), Place: "board"}, t0, refused(fund.CodePublicityTooShort)},
		{"a project is publicized only once approved", proposedP(), fund.StartPublicity{StartsAt: pubStart, EndsAt: pubEnd, Place: "board"}, t0,
			refused(fund.CodeWrongStatus)},
		{"anyone may object during the publicity", publicizedP(), fund.RaiseObjection{RaisedBy: "Li Si", Statement: "left out"}, pubStart,
			then(&fund.ObjectionRaised{Number: 1, RaisedBy: "Li Si", Statement: "left out"})},
		{"an objection after the publicity goes to the complaint desk", publicizedP(), fund.RaiseObjection{RaisedBy: "Li Si", Statement: "late"}, pubEnd,
			refused(fund.CodePublicityClosed)},
		{"implementation waits for the publicity to close", publicizedP(), fund.StartImplementation{}, pubEnd.Add(-time.Second),
			refused(fund.CodePublicityOpen)},
		{"implementation waits for objections to be resolved", objected, fund.StartImplementation{}, later,
			refused(fund.CodeObjectionOpen)},
		{"implementation starts once the publicity closed clean", resolved, fund.StartImplementation{}, pubEnd,
			then(&fund.ImplementationStarted{PublicityEndedAt: pubEnd})},
		{"an objection is resolved once", resolved, fund.ResolveObjection{Number: 1, Outcome: fund.OutcomeDismissed, Reason: "x"}, later,
			refused(fund.CodeObjectionNotFound)},
		{"a resolution needs an outcome and a reason", objected, fund.ResolveObjection{Number: 1}, later,
			refused("outcome required", "reason required")},
		{"an implementing project completes", implementingP(), fund.Complete{ReportRef: "works report 2026-11"}, later,
			then(&fund.ProjectCompleted{ReportRef: "works report 2026-11"})},
		{"a completed project is accepted", completed, fund.Accept{AcceptanceRef: "acceptance 2026-12"}, later,
			then(&fund.ProjectAccepted{AcceptanceRef: "acceptance 2026-12"})},
		{"an implementing project is not accepted before completion", implementingP(), fund.Accept{AcceptanceRef: "x"}, later,
			refused(fund.CodeWrongStatus)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, tt.given), env(tt.at))
			check(t, got, err, tt.then)
		})
	}
}

func TestAssignBeneficiary(t *testing.T) {
	assign := func(f domain.FileNumber, facts fund.HouseholdFacts) fund.AssignBeneficiary {
		return fund.AssignBeneficiary{Household: f.String(), Facts: facts}
	}
	elsewhere := must(domain.ParseFileNumber("520526104202-0001"))
	status := func(s household.Status) fund.HouseholdFacts { return fund.HouseholdFacts{File: file, Status: s} }
	tests := []struct {
		name  string
		given []events.Payload
		when  fund.AssignBeneficiary
		then  decision
	}{
		{"an enrolled household of the project's village is assigned", approvedP(), assign(file, enrolled(file)), then(assigned(file))},
		{"a household whose exit is being decided is still poor", approvedP(), assign(file, status(household.StatusExitPublicized)),
			then(&fund.BeneficiaryAssigned{Household: file, HouseholdStatus: string(household.StatusExitPublicized)})},
		{"a household only surveyed is not eligible", approvedP(), assign(file, status(household.StatusSurveyed)),
			refused(fund.CodeHouseholdNotEligible)},
		{"a rejected household is not eligible", approvedP(), assign(file, status(household.StatusRejected)),
			refused(fund.CodeHouseholdNotEligible)},
		{"facts about another household are refused", approvedP(), assign(file, enrolled(fileN(9))),
			refused(fund.CodeHouseholdNotEligible)},
		{"a household of another village is outside the project", approvedP(), assign(elsewhere, enrolled(elsewhere)),
			refused(fund.CodeHouseholdOutsideProject)},
		{"a household is assigned once", append(approvedP(), assigned(file)), assign(file, enrolled(file)),
			refused(fund.CodeAlreadyAssigned)},
		{"a completed project takes no new beneficiaries", append(implementingP(), &fund.ProjectCompleted{ReportRef: "r"}),
			assign(file, enrolled(file)), refused(fund.CodeWrongStatus)},
		{"a malformed file number is named", approvedP(), fund.AssignBeneficiary{Household: "0007"},
			refused("household file_number_format")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when.Decide(givenProject(t, tt.given), env(later))
			check(t, got, err, tt.then)
		})
	}
}

func TestEvolveRefusesImpossibleHistories(t *testing.T) {
	reg := registry()
	enc := func(p events.Payload) events.Event {
		ev, err := reg.Encode(events.DeriveID(ns, p.EventType()), events.Metadata{OccurredAt: t0}, p)
		if err != nil {
			t.Fatal(err)
		}
		ev.Version = 1
		return ev
	}
	approval := &fund.ProjectApproved{ApprovalRef: "x"}
	if _, err := fund.EvolveProject(fund.EmptyProject(project), enc(approval), approval); err == nil {
		t.Error("a project's history may not begin with an approval")
	}
	s := givenProject(t, funded())
	stray := settled(ref1, file, 1)
	if _, err := fund.EvolveProject(s, enc(stray), stray); err == nil {
		t.Error("a settlement of a payment never instructed folded")
	}
	foreign := instructed(1, file, 1, lot(doc3, 1))
	if _, err := fund.EvolveProject(s, enc(foreign), foreign); err == nil {
		t.Error("a payment drawing on lots the project does not hold folded")
	}
	proposal := proposedP()[0]
	if _, err := fund.EvolvePool(fund.EmptyPool(county), enc(proposal), proposal); err == nil {
		t.Error("a pool folded a project's event")
	}
}

func TestIDs(t *testing.T) {
	for _, bad := range []string{"520526-2026-42", "520526-2026-0000", "520500-2026-0001", "5205262026-0001", "520526-1899-0001"} {
		if _, err := fund.ParseProjectID(bad); err == nil {
			t.Errorf("project number %q accepted", bad)
		}
	}
	if _, err := fund.ParseCounty("5205"); err == nil {
		t.Error("a prefecture accepted as a county")
	}
	big := must(fund.ParseProjectID("520526-2026-123456"))
	id := must(fund.ComplaintID(fund.PaymentRef(big, 999_999)))
	if id.String() != "520526123456-2026-00999999" {
		t.Errorf("complaint number %s", id)
	}
	if _, err := fund.ComplaintID("520526-2026-0042-PAY-0001"); err == nil {
		t.Error("a malformed payment reference made a complaint number")
	}
}
