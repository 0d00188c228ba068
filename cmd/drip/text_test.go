package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Given an operator issuing a token, when the user ID carries a bidi
// override or a control character, then no token is issued and the flag is
// named; a plain ID still gets one.
func TestTokenIssueRefusesBadTextInTheUserID(t *testing.T) {
	dir := t.TempDir()
	for _, user := range []string{"enum\u202Ewang", "enum\x1bwang", "\u200B"} {
		var out bytes.Buffer
		err := runToken(context.Background(), []string{"issue", "--user", user, "--role", "enumerator", "--jurisdiction", "520526104201", "--data", dir}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--user") {
			t.Errorf("user %q: err %v, out %q; want --user refused", user, err, out.String())
		}
	}
	var out bytes.Buffer
	if err := runToken(context.Background(), []string{"issue", "--user", "enum.wang", "--role", "enumerator", "--jurisdiction", "520526104201", "--data", dir}, &out, &out); err != nil || out.Len() == 0 {
		t.Errorf("plain user: %v", err)
	}
}

// Given the embedded registry, when a token is issued for a village that
// does not exist, then none is issued and the jurisdiction is named.
func TestTokenIssueRefusesAPlaceThatDoesNotExist(t *testing.T) {
	dir := t.TempDir()
	for _, jur := range []string{"520526104299", "520526999"} {
		var out bytes.Buffer
		err := runToken(context.Background(), []string{"issue", "--user", "enum.wang", "--role", "enumerator", "--jurisdiction", jur, "--data", dir}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--jurisdiction") || !strings.Contains(err.Error(), "division_unknown") {
			t.Errorf("jurisdiction %s: err %v; want it refused as division_unknown", jur, err)
		}
	}
}
