package household

import (
	"strings"
	"time"

	"github.com/drip-ledger/drip/domain"
)

// Member is a person in a household as the events record them: the
// resident identity number parsed, the rest as given.
type Member struct {
	Name       string            `json:"name"`
	ResidentID domain.ResidentID `json:"residentId"`
	// BirthDate is the stated birth date, YYYY-MM-DD; it agrees with the one
	// inside ResidentID (the survey asks both so a mistyped number shows).
	BirthDate string     `json:"birthDate"`
	Relation  string     `json:"relation"` // to the head; "head" for the head
	Sex       domain.Sex `json:"sex"`
	Education string     `json:"education"`
	Health    string     `json:"health"`
	// LabourAbility is full, partial or none.
	LabourAbility string `json:"labourAbility"`
	Schooling     string `json:"schooling"`
}

// MemberInput is a member as a command carries it: the identity number and
// sex as typed, so that every bad one is reported with its field path
// instead of the first failing a JSON decode.
type MemberInput struct {
	Name          string `json:"name"`
	ResidentID    string `json:"residentId"`
	BirthDate     string `json:"birthDate"`
	Relation      string `json:"relation"`
	Sex           string `json:"sex"`
	Education     string `json:"education"`
	Health        string `json:"health"`
	LabourAbility string `json:"labourAbility"`
	Schooling     string `json:"schooling"`
}

// Account is the household's bank account for the "one card" (一卡通)
// through which subsidies are paid.
type Account struct {
	Number     string `json:"number"`
	Bank       string `json:"bank"`
	HolderName string `json:"holderName"`
}

// Bank account numbers are 10 to 30 digits: domestic card and passbook
// numbers run from 12 to 19; the margin admits rural credit cooperatives'
// longer passbook numbers without admitting junk.
const (
	AccountDigitsMin = 10
	AccountDigitsMax = 30
)

// CodeHeadRelation is the code of a head whose relation is not "head".
const CodeHeadRelation = "head_relation"

// parse checks in and returns it as a Member. asOf refuses birth dates after
// it (zero: not checked, for stored data). head says whether in is the head,
// whose relation is "head" whatever was typed.
func (in MemberInput) parse(ps *domain.Problems, field string, asOf time.Time, head bool) Member {
	m := Member{Name: strings.TrimSpace(in.Name), BirthDate: in.BirthDate, Relation: in.Relation,
		Sex: domain.Sex(in.Sex), Education: in.Education, Health: in.Health,
		LabourAbility: in.LabourAbility, Schooling: in.Schooling}
	requireText(ps, field+".name", in.Name, NameRunesMax)
	if head {
		// The head is the head: a head typed as someone's child is a
		// mistake to correct, not to record as "head" silently.
		if in.Relation != "" && in.Relation != RelationHead {
			ps.Addf(field+".relation", CodeHeadRelation, "the head's relation is %q, not %q", RelationHead, in.Relation)
		}
		m.Relation = RelationHead
	} else {
		oneOf(ps, field+".relation", in.Relation, relations[1:])
	}
	oneOf(ps, field+".education", in.Education, educations)
	oneOf(ps, field+".health", in.Health, healths)
	oneOf(ps, field+".labourAbility", in.LabourAbility, labourAbility)
	oneOf(ps, field+".schooling", in.Schooling, schoolings)
	oneOf(ps, field+".sex", in.Sex, []string{string(domain.SexMale), string(domain.SexFemale)})
	birth, birthOK := civilDate(in.BirthDate)
	if !birthOK {
		ps.Addf(field+".birthDate", CodeDateInvalid, "%q is not a date written YYYY-MM-DD", in.BirthDate)
	}
	if in.ResidentID == "" {
		ps.Addf(field+".residentId", CodeRequired, "is required")
		return m
	}
	id, err := domain.ParseResidentID(in.ResidentID, asOf)
	if err != nil {
		ps.Add(field+".residentId", err)
		return m
	}
	m.ResidentID = id
	if birthOK && !id.BirthDate().Equal(birth) {
		ps.Addf(field+".birthDate", CodeBirthDateMismatch, "%s disagrees with the birth date %s inside the resident identity number",
			in.BirthDate, id.BirthDate().Format(time.DateOnly))
	}
	if s := domain.Sex(in.Sex); (s == domain.SexMale || s == domain.SexFemale) && s != id.Sex() {
		ps.Addf(field+".sex", CodeSexMismatch, "%s disagrees with the resident identity number, whose sequence digit says %s", s, id.Sex())
	}
	return m
}

// input is m as a command would carry it, so that stored members are checked
// by the very rules that admitted them.
func (m Member) input() MemberInput {
	return MemberInput{Name: m.Name, ResidentID: m.ResidentID.String(), BirthDate: m.BirthDate,
		Relation: m.Relation, Sex: string(m.Sex), Education: m.Education, Health: m.Health,
		LabourAbility: m.LabourAbility, Schooling: m.Schooling}
}

// checkMembers parses the head and the others, and checks that their
// resident identity numbers are distinct.
func checkMembers(ps *domain.Problems, head MemberInput, others []MemberInput, asOf time.Time) (Member, []Member) {
	if 1+len(others) > MembersMax {
		ps.Addf("members", CodeTooMany, "a household of %d is above the limit of %d", 1+len(others), MembersMax)
		return Member{}, nil
	}
	h := head.parse(ps, "head", asOf, true)
	seen := map[string]string{}
	if !h.ResidentID.IsZero() {
		seen[h.ResidentID.String()] = "head"
	}
	ms := make([]Member, len(others))
	for i, in := range others {
		f := index("members", i)
		ms[i] = in.parse(ps, f, asOf, false)
		id := ms[i].ResidentID.String()
		if id == "" {
			continue
		}
		if first, dup := seen[id]; dup {
			ps.Addf(f+".residentId", CodeResidentIDDuplicate, "repeats the resident identity number of %s", first)
			continue
		}
		seen[id] = f
	}
	return h, ms
}

// checkAccount checks an optional account; its holder must be one of names.
func checkAccount(ps *domain.Problems, a *Account, names []string) {
	if a == nil {
		return
	}
	n := len(a.Number)
	if n < AccountDigitsMin || n > AccountDigitsMax || strings.Trim(a.Number, "0123456789") != "" {
		ps.Addf("account.number", CodeAccountNumber, "an account number is %d to %d digits", AccountDigitsMin, AccountDigitsMax)
	}
	requireText(ps, "account.bank", a.Bank, NameRunesMax)
	requireText(ps, "account.holderName", a.HolderName, NameRunesMax)
	if a.HolderName != "" && !containsName(names, a.HolderName) {
		ps.Addf("account.holderName", CodeAccountHolder, "%q is not a member of the household: subsidies go to the household's own card", a.HolderName)
	}
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if strings.TrimSpace(n) == strings.TrimSpace(name) {
			return true
		}
	}
	return false
}
