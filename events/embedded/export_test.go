package embedded

// FiltersReady reports whether Open's build of the ID and stream filters is
// done, so tests can check both the "maybe" and the "certainly not" paths.
func FiltersReady(s *Store) bool { return s.ids.ready.Load() && s.streams.ready.Load() }
