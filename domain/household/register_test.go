package household_test

import (
	"testing"
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/domain/household"
	"github.com/drip-ledger/drip/events"
)

func TestRegisterHousehold(t *testing.T) {
	head, _ := domain.ParseResidentID(headInput().ResidentID, t0)
	village, _ := domain.ParseDivisionCode("520526104201")
	tests := []struct {
		name    string
		history []events.Payload
		cmd     func() household.RegisterHousehold
		at      time.Time
		want    decision
	}{
		{"a new household is registered with its head as head", nil, registerCmd, t0, then(&household.Registered{
			FileNumber: file, Village: village,
			Head: household.Member{Name: "Zhang San", ResidentID: head, BirthDate: "1970-03-02", Relation: "head", Sex: domain.SexMale,
				Education: "primary", Health: "chronic_illness", LabourAbility: "partial", Schooling: "not_in_school"},
		})},
		{"an existing file number is refused", registeredH(t), registerCmd, t0, refused(household.CodeHouseholdExists)},
		{"a household without a bank account is registered", nil, func() household.RegisterHousehold {
			c := registerCmd()
			c.Account = nil
			return c
		}, t0, decision{}},
		{"every bad field is named at once", nil, func() household.RegisterHousehold {
			c := registerCmd()
			c.Village = "520526104202"
			c.Head.BirthDate = "1970-03-03"
			c.Members[0].ResidentID = c.Members[0].ResidentID[:17] + "0"
			c.Members[0].Relation = "cousin"
			c.Members[1].Sex = "female"
			c.Members = append(c.Members, c.Members[1])
			c.Members[2].Sex = "male"
			c.Account.Number = "12ab"
			c.Account.HolderName = "Wang Wu"
			return c
		}, t0, refused(
			"village village_mismatch",
			"head.birthDate birth_date_mismatch",
			"members[0].relation value_unknown",
			"members[0].residentId resident_id_checksum",
			"members[1].sex sex_mismatch",
			"members[2].residentId resident_id_duplicate",
			"account.number account_number_invalid",
			"account.holderName account_holder_not_member",
		)},
		{"a malformed file number and missing fields are named", nil, func() household.RegisterHousehold {
			c := registerCmd()
			c.FileNumber = "520526104201-7"
			c.Head = household.MemberInput{}
			c.Members = nil
			return c
		}, t0, refused(
			"fileNumber file_number_format",
			"head.name required", "head.education required", "head.health required",
			"head.labourAbility required", "head.schooling required", "head.sex required",
			"head.birthDate date_invalid", "head.residentId required",
			"account.holderName account_holder_not_member",
		)},
		{"a member born after the registration is refused", nil, func() household.RegisterHousehold {
			c := registerCmd()
			c.Members[1].ResidentID, c.Members[1].BirthDate = rid("20140402", "031"), "2014-04-02"
			return c
		}, t0, refused("members[1].residentId resident_id_birth_date_future")},
		{"a member born on the day of registration is accepted", nil, func() household.RegisterHousehold {
			c := registerCmd()
			c.Members[1].ResidentID, c.Members[1].BirthDate = rid("20140401", "031"), "2014-04-01"
			return c
		}, t0, decision{}},
		{"a household above the member limit is refused", nil, func() household.RegisterHousehold {
			c := registerCmd()
			for range household.MembersMax {
				c.Members = append(c.Members, sonInput())
			}
			return c
		}, t0, refused("members too_many", "account.holderName account_holder_not_member")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if len(want.events) == 1 {
				// The full member list is checked below; here the head.
				got, err := tt.cmd().Decide(given(t, tt.history), tt.at)
				if err != nil {
					t.Fatal(err)
				}
				r := got[0].(*household.Registered)
				w := want.events[0].(*household.Registered)
				if r.FileNumber != w.FileNumber || r.Village != w.Village || r.Head != w.Head || len(r.Members) != 2 || r.Account == nil {
					t.Fatalf("registered %+v, want %+v with two members and an account", r, w)
				}
				return
			}
			var history []events.Payload
			if tt.history != nil {
				history = tt.history
			}
			check(t, history, tt.cmd(), tt.at, want)
		})
	}
}

func TestRegisteredHouseholdStateListsMembersHeadFirst(t *testing.T) {
	s := given(t, registeredH(t))
	if s.Status() != household.StatusRegistered || s.File() != file || s.Village().String() != "520526104201" {
		t.Fatalf("status %s file %s village %s", s.Status(), s.File(), s.Village())
	}
	ms := s.Members()
	if len(ms) != 3 || ms[0].Relation != "head" || ms[1].Name != "Li Si" || ms[2].Relation != "child" {
		t.Fatalf("members = %+v", ms)
	}
	if a, ok := s.Account(); !ok || a.HolderName != "Zhang San" {
		t.Fatalf("account = %+v, %v", a, ok)
	}
}
