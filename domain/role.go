package domain

// Role is what a user does in the poverty-alleviation system; it decides
// which commands the user may issue (each aggregate's Permissions table), while
// the user's jurisdiction decides where.
type Role string

// The roles, from the village up. One word per role everywhere: tokens,
// events' metadata, permission tables and the API.
const (
	RoleEnumerator    Role = "enumerator"     // surveys and scores households
	RoleVillage       Role = "village"        // village committee, first secretary
	RoleTownship      Role = "township"       // township government's review
	RoleCountyPAO     Role = "county_pao"     // county poverty alleviation office: approvals
	RoleCountyFinance Role = "county_finance" // county finance bureau: funds and bank files
	RoleAuditor       Role = "auditor"        // reads everything in jurisdiction, changes nothing
	RoleComplaintDesk Role = "complaint_desk" // the 12317 desk
	RoleAdmin         Role = "admin"          // operates the deployment
)

// Roles lists every role, in the order above.
func Roles() []Role {
	return []Role{RoleEnumerator, RoleVillage, RoleTownship, RoleCountyPAO, RoleCountyFinance,
		RoleAuditor, RoleComplaintDesk, RoleAdmin}
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles() {
		if r == v {
			return true
		}
	}
	return false
}
