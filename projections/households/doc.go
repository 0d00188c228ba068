// Package households is the read model of filed households: their current
// status and summary for search, counts per village and county, each
// cadre's load, and the complaints that name each household (so a timeline
// can gather them). It folds household events with the domain's own Evolve,
// so the read model can never disagree with the rules about a status.
//
// It is held in memory and rebuilt from the log when the server starts (its
// checkpoint is not durable): a county's tens of thousands of households fit
// easily, and a rebuild cannot drift from the log.
package households
