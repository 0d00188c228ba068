package household

import (
	"slices"

	"github.com/drip-ledger/drip/domain"
)

// Permissions returns, for each command's Name, the roles that may issue it.
// The API enforces it; the domain records the role in each event's
// metadata. Objections may be recorded by any official, since anyone may
// object; corrections, like approvals, are the county's. The map is a fresh
// copy on each call.
func Permissions() map[string][]domain.Role {
	const (
		enumerator = domain.RoleEnumerator
		village    = domain.RoleVillage
		township   = domain.RoleTownship
		county     = domain.RoleCountyPAO
		admin      = domain.RoleAdmin
	)
	return map[string][]domain.Role{
		RegisterHousehold{}.Name(): {enumerator, village, admin},
		Assess{}.Name():            {enumerator, village, admin},
		Propose{}.Name():           {village, admin},
		StartPublicity{}.Name():    {village, township, admin},
		RaiseObjection{}.Name():    {enumerator, village, township, county, domain.RoleComplaintDesk, admin},
		ResolveObjection{}.Name():  {township, county, admin},
		Review{}.Name():            {township, admin},
		Enroll{}.Name():            {county, admin},
		Reject{}.Name():            {township, county, admin},
		AssignCadre{}.Name():       {township, county, admin},
		PlanMeasure{}.Name():       {village, township, county, admin},
		RecordVisit{}.Name():       {enumerator, village, township, admin},
		ProposeExit{}.Name():       {village, admin},
		AppraiseExit{}.Name():      {village, admin},
		VerifyExit{}.Name():        {township, county, admin},
		SignExitAgreement{}.Name(): {village, township, admin},
		ApproveExit{}.Name():       {county, admin},
		WithdrawExit{}.Name():      {township, county, admin},
		ReturnToPoverty{}.Name():   {county, admin},
		Remove{}.Name():            {county, admin},
		RecordDeath{}.Name():       {enumerator, village, township, admin},
		Correct{}.Name():           {county, admin},
	}
}

// Allowed reports whether role may issue the command named command.
func Allowed(command string, role domain.Role) bool {
	return slices.Contains(Permissions()[command], role)
}
