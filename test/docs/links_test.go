package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// inlineLink is a Markdown inline link or image: [text](target) or
// [text](target "title").
var inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// refLink is a reference definition: [label]: target
var refLink = regexp.MustCompile(`(?m)^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)

// TestLinksResolve: every relative link in README.md and docs/*.md names a
// file or directory inside the repository (a fresh clone has nothing else),
// and a #fragment names a heading of the Markdown file it points to.
// Absolute URLs (https:, mailto:) are not followed.
func TestLinksResolve(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	checked := 0
	for _, file := range files {
		for _, target := range markdownLinks(t, file) {
			checked++
			if err := checkLink(root, file, target); err != "" {
				rel, _ := filepath.Rel(root, file)
				t.Errorf("%s: link %q %s", rel, target, err)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d links", checked)
	}
}

// markdownLinks returns the link targets of a Markdown file outside fenced
// code blocks and code spans.
func markdownLinks(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	prose := blankCodeSpans(withoutFences(string(b)))
	for _, m := range inlineLink.FindAllStringSubmatch(prose, -1) {
		targets = append(targets, m[1])
	}
	for _, m := range refLink.FindAllStringSubmatch(prose, -1) {
		targets = append(targets, m[1])
	}
	return targets
}

// withoutFences drops fenced code blocks.
func withoutFences(md string) string {
	var prose strings.Builder
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			prose.WriteString(line + "\n")
		}
	}
	return prose.String()
}

var codeSpan = regexp.MustCompile("`[^`\n]*`")

// blankCodeSpans replaces the content of code spans with x's, so a link
// shown as code is not followed while [`x`](path) still is.
func blankCodeSpans(md string) string {
	return codeSpan.ReplaceAllStringFunc(md, func(span string) string {
		return "`" + strings.Repeat("x", len(span)-2) + "`"
	})
}

// checkLink returns why target, linked from file, does not resolve, or "".
func checkLink(root, file, target string) string {
	if regexp.MustCompile(`^[a-zA-Z][a-zA-Z+.-]*:`).MatchString(target) {
		return "" // an absolute URL
	}
	path, fragment, _ := strings.Cut(target, "#")
	resolved := file
	if path != "" {
		if strings.HasPrefix(path, "/") {
			return "is absolute; use a path relative to the file"
		}
		resolved = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
		rel, err := filepath.Rel(root, resolved)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "points outside the repository"
		}
		if _, err := os.Stat(resolved); err != nil {
			return "names no file in the repository"
		}
	}
	if fragment != "" && strings.HasSuffix(resolved, ".md") && !hasAnchor(resolved, fragment) {
		return "names no heading of " + filepath.Base(resolved)
	}
	return ""
}

var headingLine = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)

// hasAnchor reports whether a heading of the Markdown file has the
// GitHub-style anchor fragment: lower case, spaces to hyphens, other
// punctuation dropped.
func hasAnchor(file, fragment string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, m := range headingLine.FindAllStringSubmatch(withoutFences(string(b)), -1) {
		if anchor(m[1]) == fragment {
			return true
		}
	}
	return false
}

func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
