package household

import (
	"time"

	"github.com/drip-ledger/drip/domain"
	"github.com/drip-ledger/drip/events"
)

// RegisterHousehold puts a household on file with its members and,
// optionally, its "one card" account. The file number must be new.
type RegisterHousehold struct {
	FileNumber string        `json:"fileNumber"`
	Village    string        `json:"village"`
	Head       MemberInput   `json:"head"`
	Members    []MemberInput `json:"members"` // besides the head
	Account    *Account      `json:"account,omitempty"`
}

func (RegisterHousehold) Name() string { return "register" }

// Decide refuses an existing household (household_exists) and reports every
// bad field at once: the file number and village (which must agree), each
// member's resident ID (resident_id_*; its birth date after at is refused),
// stated birth date and sex against the ID (birth_date_mismatch,
// sex_mismatch), repeated IDs (resident_id_duplicate), the closed lists, and
// the account.
func (c RegisterHousehold) Decide(s State, at time.Time) ([]events.Payload, error) {
	if s.Status() != StatusNone {
		return nil, errorf(CodeHouseholdExists, "household %s is already registered", s.File())
	}
	var ps domain.Problems
	file, err := domain.ParseFileNumber(c.FileNumber)
	if err != nil {
		ps.Add("fileNumber", err)
	}
	village, err := domain.ParseDivisionCode(c.Village)
	switch {
	case err != nil:
		ps.Add("village", err)
	case !file.IsZero() && file.Village() != village:
		ps.Addf("village", CodeVillageMismatch, "%s is not the village of file number %s", village, file)
	}
	head, members := checkMembers(&ps, c.Head, c.Members, at)
	var account *Account
	if c.Account != nil {
		a := *c.Account
		account = &a
		checkAccount(&ps, account, memberNames(head, members))
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{&Registered{FileNumber: file, Village: village, Head: head, Members: members, Account: account}}, nil
}
