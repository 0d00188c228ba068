package api

// VerifiedLen is how many tokens r remembers as verified (tests only).
func (r *KeyRing) VerifiedLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.verified)
}
