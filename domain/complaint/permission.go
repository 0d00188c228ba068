package complaint

import (
	"slices"

	"github.com/drip-ledger/drip/domain"
)

// permissions says which roles may issue each command. Who may act is the
// role; where is the jurisdiction (checked by Service against the
// complaint's division).
//
//   - The 12317 desk takes complaints, acknowledges, routes, records findings,
//     answers complainants and records appeals; the county poverty
//     alleviation office, which decides on the file and the funds, may do
//     all of the same.
//   - A township takes complaints brought to its office, acknowledges them,
//     investigates what is assigned to it (notes) and answers in person; the
//     finding is the county's or the desk's.
//   - County finance investigates money complaints (notes) and is the
//     authority under which the fund ledger opens complaints itself.
//   - Auditors read everything and change nothing; admins run the
//     deployment and decide no complaint; enumerators and village
//     committees are often the very people complained about.
var permissions = map[string][]domain.Role{
	CommandReceive:           {domain.RoleComplaintDesk, domain.RoleCountyPAO, domain.RoleTownship},
	CommandOpenAutomatically: {domain.RoleCountyFinance},
	CommandAcknowledge:       {domain.RoleComplaintDesk, domain.RoleCountyPAO, domain.RoleTownship},
	CommandAssign:            {domain.RoleComplaintDesk, domain.RoleCountyPAO},
	CommandAddNote:           {domain.RoleComplaintDesk, domain.RoleCountyPAO, domain.RoleTownship, domain.RoleCountyFinance},
	CommandResolve:           {domain.RoleComplaintDesk, domain.RoleCountyPAO},
	CommandClose:             {domain.RoleComplaintDesk, domain.RoleCountyPAO, domain.RoleTownship},
	CommandAppeal:            {domain.RoleComplaintDesk, domain.RoleCountyPAO},
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
