package fund

import (
	"slices"

	"github.com/drip-ledger/drip/domain"
)

// permissions says which roles may issue each command (where is the
// jurisdiction, checked by Service):
//
//   - county finance moves money: appropriations, allocations, payments,
//     bank settlements and failures, reversals;
//   - the county poverty alleviation office approves, publicizes, resolves
//     objections, starts, completes and accepts projects;
//   - townships and villages propose projects and assign beneficiaries
//     (the county may too), and record a household's acknowledgement in
//     person, since it is their cadres who sit with the household;
//   - anyone official may record an objection, since anyone may object;
//   - auditors change nothing, and admins run the deployment, not the money.
var permissions = map[string][]domain.Role{
	RecordAppropriation{}.Name(): {domain.RoleCountyFinance},
	// A correction is the county finance bureau's, which recorded the
	// appropriation and holds the pool; the reason is in the event.
	CorrectAppropriation{}.Name(): {domain.RoleCountyFinance},
	Allocate{}.Name():             {domain.RoleCountyFinance},
	ReceiveAllocation{}.Name():    {domain.RoleCountyFinance},
	InstructPayment{}.Name():      {domain.RoleCountyFinance},
	SettlePayment{}.Name():        {domain.RoleCountyFinance},
	FailPayment{}.Name():          {domain.RoleCountyFinance},
	ReversePayment{}.Name():       {domain.RoleCountyFinance},
	AcknowledgePayment{}.Name():   {domain.RoleVillage, domain.RoleTownship},
	Propose{}.Name():              {domain.RoleVillage, domain.RoleTownship},
	AssignBeneficiary{}.Name():    {domain.RoleVillage, domain.RoleTownship, domain.RoleCountyPAO},
	Approve{}.Name():              {domain.RoleCountyPAO},
	StartPublicity{}.Name():       {domain.RoleCountyPAO},
	RaiseObjection{}.Name(): {domain.RoleEnumerator, domain.RoleVillage, domain.RoleTownship, domain.RoleCountyPAO,
		domain.RoleCountyFinance, domain.RoleComplaintDesk},
	ResolveObjection{}.Name():    {domain.RoleCountyPAO},
	StartImplementation{}.Name(): {domain.RoleCountyPAO},
	Complete{}.Name():            {domain.RoleCountyPAO},
	Accept{}.Name():              {domain.RoleCountyPAO},
}

// Permissions returns, for each command name, the roles that may issue it:
// a fresh copy, for the API to enforce and to publish.
func Permissions() map[string][]domain.Role {
	out := make(map[string][]domain.Role, len(permissions))
	for c, roles := range permissions {
		out[c] = slices.Clone(roles)
	}
	return out
}

// Allowed reports whether role may issue command. An unknown command is
// allowed to no one.
func Allowed(role domain.Role, command string) bool {
	return slices.Contains(permissions[command], role)
}
