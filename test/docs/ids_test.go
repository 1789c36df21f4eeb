package docs

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/connevents/connevents/server/journey"
)

// connectionID is anything that looks like a connection journey id.
var connectionID = regexp.MustCompile(`cnx_[A-Za-z0-9]+`)

// TestExampleConnectionIDsValid: the connection ids the documentation's
// examples use are well formed, so that copying an example gets 404 for an
// unknown journey rather than CONNECTION_ID_INVALID.
func TestExampleConnectionIDsValid(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, file := range append(files, filepath.Join(root, "README.md")) {
		rel, _ := filepath.Rel(root, file)
		for _, id := range connectionID.FindAllString(readRepoFile(t, rel), -1) {
			found++
			if !journey.ValidID(id) {
				t.Errorf("%s: %s is not a valid connection id", rel, id)
			}
		}
	}
	if found == 0 {
		t.Fatal("no example connection ids found")
	}
}
