package natstest

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeQuotesTheServerConfig: the README's recommended server
// configuration is the one the fleet's tests run, to the byte.
func TestReadmeQuotesTheServerConfig(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```\n"+Authorization+"```\n") {
		t.Error("README.md's Security section does not quote natstest.Authorization as it is: copy it again")
	}
}
