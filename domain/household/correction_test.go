package household_test

import (
	"encoding/json"
	"testing"

	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

func TestCorrect(t *testing.T) {
	h := enrolledH(t) // index 1 is the initial assessment, 0 the registration
	fix := func(version uint64, id events.ID, fields string) household.Correct {
		return household.Correct{EventID: id, Version: version, ApprovedBy: "Director Zhao", Reason: "income mistyped", Fields: json.RawMessage(fields)}
	}
	corrected := append(h, &household.Corrected{EventID: idAt(1), Version: 2, Type: household.TypeHouseholdAssessed,
		ApprovedBy: "Director Zhao", Reason: "income mistyped", Fields: json.RawMessage(`{"netIncomePerCapitaFen":201000}`)})
	run(t, []step{
		{"an assessment's income is corrected, naming the event and its type", h, fix(2, idAt(1), `{"netIncomePerCapitaFen":201000}`), t0,
			then(corrected[len(corrected)-1])},
		{"renaming the head alone would leave the card with a stranger", h, fix(1, idAt(0), `{"head":{"name":"Zhang Shan","residentId":"`+headInput().ResidentID+
			`","birthDate":"1970-03-02","relation":"head","sex":"male","education":"primary","health":"chronic_illness","labourAbility":"partial","schooling":"not_in_school"}}`), t0,
			refused("fields.account.holderName account_holder_not_member")},
		{"the head's name and the card holder's are corrected together", h, fix(1, idAt(0), `{"head":{"name":"Zhang Shan","residentId":"`+headInput().ResidentID+
			`","birthDate":"1970-03-02","relation":"head","sex":"male","education":"primary","health":"chronic_illness","labourAbility":"partial","schooling":"not_in_school"},`+
			`"account":{"number":"6214123412341234","bank":"Weining Rural Credit Cooperative","holderName":"Zhang Shan"}}`), t0, decision{}},
		// Resident IDs are claimed on their own streams at registration: a
		// correction may not swap one in past that rule.
		{"the head's resident ID is not corrected", h, fix(1, idAt(0), `{"head":{"name":"Zhang San","residentId":"`+rid("19700302", "019")+
			`","birthDate":"1970-03-02","relation":"head","sex":"male","education":"primary","health":"chronic_illness","labourAbility":"partial","schooling":"not_in_school"}}`), t0,
			refused("fields " + household.CodeCorrectionResidentID)},
		{"an event not in the stream cannot be corrected", h, fix(2, idAt(99), `{"netIncomePerCapitaFen":1}`), t0, refused(household.CodeCorrectionTargetUnknown)},
		{"the version must be the event's", h, fix(3, idAt(1), `{"netIncomePerCapitaFen":1}`), t0, refused(household.CodeCorrectionTargetUnknown)},
		{"a correction is not corrected", corrected, fix(uint64(len(corrected)), idAt(len(corrected)-1), `{"reason":"x"}`), t0,
			refused(household.CodeCorrectionTargetInvalid)},
		{"the file number is not corrected", h, fix(1, idAt(0), `{"fileNumber":"520526104201-0008","village":"520526104201"}`), t0,
			refused("fields.fileNumber correction_field_immutable", "fields.village correction_field_immutable")},
		{"a corrected payload must still be valid", h, fix(2, idAt(1), `{"netIncomePerCapitaFen":-5}`), t0, refused("fields.netIncomePerCapitaFen negative")},
		{"a field the event does not have is refused", h, fix(2, idAt(1), `{"income":5}`), t0, refused("fields correction_invalid")},
		{"a correction names its approver, reason and fields", h, household.Correct{EventID: idAt(1), Version: 2}, t0,
			refused("approvedBy required", "reason required", "fields required")},
		{"an unregistered household has nothing to correct", nil, fix(1, idAt(0), `{"x":1}`), t0, refused(household.CodeCorrectionTargetUnknown)},
	})
}

func TestCorrectionIsAppliedWithoutEditingHistory(t *testing.T) {
	h := enrolledH(t)
	h = append(h, &household.Corrected{EventID: idAt(1), Version: 2, Type: household.TypeHouseholdAssessed,
		ApprovedBy: "Director Zhao", Reason: "income mistyped", Fields: json.RawMessage(`{"netIncomePerCapitaFen":201000,"totalPoints":70,"items":[{"item":"housing","points":70}]}`)})
	s := given(t, h)
	a, _ := s.LatestAssessment()
	if a.NetIncomePerCapitaFen != 201000 || a.TotalPoints != 70 || a.CardID != "weining-four-views" {
		t.Fatalf("corrected assessment = %+v", a.Assessed)
	}
	// The enrollment decided on the original figures stands: a correction
	// changes what the file says, not what was decided; undoing the
	// enrollment is a removal.
	if s.Status() != household.StatusEnrolled || s.Version() != uint64(len(h)) || len(s.Changes()) != 5 {
		t.Fatalf("status %s version %d changes %d", s.Status(), s.Version(), len(s.Changes()))
	}
	cs := s.Corrections()
	if len(cs) != 1 || cs[0].EventID != idAt(1) || cs[0].CorrectionID != idAt(len(h)-1) || cs[0].ApprovedBy != "Director Zhao" {
		t.Fatalf("corrections = %+v", cs)
	}
	// A second correction of the same event applies over the first.
	h = append(h, &household.Corrected{EventID: idAt(1), Version: 2, Type: household.TypeHouseholdAssessed,
		ApprovedBy: "Director Zhao", Reason: "second look", Fields: json.RawMessage(`{"netIncomePerCapitaFen":202000}`)})
	a, _ = given(t, h).LatestAssessment()
	if a.NetIncomePerCapitaFen != 202000 || a.TotalPoints != 70 {
		t.Fatalf("twice-corrected assessment = %+v", a.Assessed)
	}
}
