package household_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/domain/scorecard"
	"github.com/drip-ledger/drip/events"
)

func newService(t *testing.T) (*household.Service, events.Store) {
	t.Helper()
	reg := registry()
	store := events.NewMemoryStore(reg, nil)
	t.Cleanup(func() { store.Close() })
	x, err := domain.NewExecutor(store, reg, func() (events.ID, error) { return events.NewID(nil) })
	if err != nil {
		t.Fatal(err)
	}
	svc, err := household.NewService(x)
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

func request(jurisdiction string) domain.Request {
	return domain.Request{Actor: domain.Actor{ID: "clerk-1", Role: string(domain.RoleVillage), Jurisdiction: jurisdiction}, At: t0}
}

func TestServiceRegistersWithinJurisdictionOnly(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		jurisdiction string
		want         []string
	}{
		{"a village clerk of another village is refused", "520526104202", []string{household.CodeOutsideJurisdiction}},
		{"a clerk of another county is refused", "520527", []string{household.CodeOutsideJurisdiction}},
		{"a malformed jurisdiction is refused", "52x", []string{household.CodeOutsideJurisdiction}},
		{"a county officer registers in a village of the county", "520526", nil},
		{"the village's own clerk registers", "520526104201", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, store := newService(t)
			res, err := svc.Register(ctx, request(tt.jurisdiction), registerCmd())
			if got := domain.Codes(err); !slices.Equal(got, tt.want) {
				t.Fatalf("codes = %q, want %q (%v)", got, tt.want, err)
			}
			if tt.want != nil {
				return
			}
			evs, err := store.ReadStream(ctx, "household-520526104201-0007", 1, events.Forwards, 10)
			if err != nil || len(evs) != 1 || evs[0].Type != household.TypeHouseholdRegistered || res.Version != 1 {
				t.Fatalf("stored %v, %v; result %+v", evs, err, res)
			}
		})
	}
}

func TestServiceRunsTheProcedureAgainstTheStore(t *testing.T) {
	ctx := context.Background()
	svc, store := newService(t)
	req := request("520526")
	if _, err := svc.Register(ctx, req, registerCmd()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Register(ctx, req, registerCmd()); !slices.Equal(domain.Codes(err), []string{household.CodeHouseholdExists}) {
		t.Fatalf("second registration: %v", err)
	}
	card := household.Card{Card: scorecard.Default()}
	if _, err := svc.Assess(ctx, req, file, household.Assess{Kind: household.KindInitial, Year: 2014, Answers: poorAnswers(),
		NetIncomePerCapitaFen: 210000, Card: card}); err != nil {
		t.Fatal(err)
	}
	req.At = appraisal().HeldAt.Add(time.Hour) // the meeting is recorded after it was held
	if _, err := svc.Propose(ctx, req, file, household.Propose{Appraisal: appraisal(), Causes: causes()}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadStream(ctx, household.Stream(file), 1, events.Forwards, 10)
	if err != nil {
		t.Fatal(err)
	}
	s, err := household.StateAt(registry(), evs, evs[len(evs)-1].RecordedAt)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.LatestAssessment()
	if s.Status() != household.StatusProposed || a.TotalPoints != 41 || a.CardID != "weining-four-views" || len(a.Items) == 0 {
		t.Fatalf("status %s, assessment %+v", s.Status(), a.Assessed)
	}
	if _, err := svc.Enroll(ctx, req, file, household.Enroll{DecisionRef: "x", Lines: lines}); !slices.Equal(domain.Codes(err), []string{household.CodeWrongStatus}) {
		t.Fatalf("enroll before publicity: %v", err)
	}
}

func TestServiceReportsABadFileNumberWithTheOtherFields(t *testing.T) {
	svc, _ := newService(t)
	c := registerCmd()
	c.FileNumber = "5205-7"
	c.Head.Name, c.Account = "", nil
	_, err := svc.Register(context.Background(), request("520526"), c)
	if got := codesOf(err); !slices.Equal(got, []string{"fileNumber file_number_format", "head.name required"}) {
		t.Fatalf("codes = %q", got)
	}
}

func TestCardScoresWithTheWeiningCard(t *testing.T) {
	card := household.Card{Card: scorecard.Default()}
	sc, err := card.Score(poorAnswers())
	if err != nil || sc.TotalPoints != 41 || sc.CardVersion < 1 {
		t.Fatalf("score = %+v, %v", sc, err)
	}
	bad := poorAnswers()
	delete(bad, "road")
	_, err = household.Assess{Kind: household.KindInitial, Year: 2014, Answers: bad, Card: card}.Decide(given(t, registeredH(t)), t0)
	if got := codesOf(err); len(got) != 1 || got[0] != "answers.road "+scorecard.CodeAnswerMissing {
		t.Fatalf("codes = %q", got)
	}
}

func TestPermissionsCoverEveryCommand(t *testing.T) {
	commands := []household.Command{household.RegisterHousehold{}, household.Assess{}, household.Propose{}, household.StartPublicity{},
		household.RaiseObjection{}, household.ResolveObjection{}, household.Review{}, household.Enroll{}, household.Reject{},
		household.AssignCadre{}, household.PlanMeasure{}, household.RecordVisit{}, household.ProposeExit{}, household.AppraiseExit{},
		household.VerifyExit{}, household.SignExitAgreement{}, household.ApproveExit{}, household.WithdrawExit{},
		household.ReturnToPoverty{}, household.Remove{}, household.RecordDeath{}, household.Correct{}}
	perms := household.Permissions()
	if len(perms) != len(commands) {
		t.Errorf("%d permission rows for %d commands", len(perms), len(commands))
	}
	for _, c := range commands {
		roles, ok := perms[c.Name()]
		if !ok || !slices.Contains(roles, domain.RoleAdmin) {
			t.Errorf("%s: roles %v", c.Name(), roles)
		}
		for _, r := range roles {
			if !r.Valid() {
				t.Errorf("%s: unknown role %q", c.Name(), r)
			}
		}
	}
	if household.Allowed("enroll", domain.RoleVillage) || !household.Allowed("enroll", domain.RoleCountyPAO) || household.Allowed("correct", domain.RoleAuditor) {
		t.Error("Allowed disagrees with the county's approvals")
	}
}

// poorAnswers is the scorecard package's worked poor household (41 points).
func poorAnswers() map[string]string {
	return map[string]string{
		"housing_condition": "dangerous_level_1_or_none", "housing_area_per_person_m2": "8", "road": "unhardened",
		"drinking_water": "cellar_or_spring", "electricity": "grid_standard_price", "production_machinery": "no",
		"arable_land_per_person_mu": "0.8", "fruit_area_mu": "0", "cash_crop_area_mu": "0.3", "food_per_person_jin": "200",
		"agricultural_income_per_person_yuan": "150", "land_rented_out": "no", "labour_share_percent": "20",
		"health": "main_labourer_ill", "main_labourer_education": "primary", "main_labourer_skills": "none",
		"wage_income_per_person_yuan": "400", "education_debt_yuan": "6000", "education_return": "high_school",
	}
}
