package household

// support is the help a household is given: its cadre, measures and visits.
type support struct{}

func (s State) applySupport(e entry) (State, bool) { return s, false }
