package oneup

import (
	"bytes"
	"encoding/json"

	"github.com/connevents/connevents/server/reason"
)

// bundle is a decoded FHIR Bundle: its items and its links.
type bundle struct {
	items []Item
	links []bundleLink
	// linksOK is false when `link` is present but not an array of links.
	linksOK bool
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// decodeBundle decodes a Bundle object. `entry` must be an array (or
// absent); each entry is delimited and normalized on its own.
func decodeBundle(body []byte) (*bundle, error) {
	entries, link, err := bundleParts(body)
	if err != nil {
		return nil, err
	}
	b := &bundle{items: entryItems(entries), linksOK: true}
	if !isAbsent(link) && json.Unmarshal(link, &b.links) != nil {
		b.linksOK = false
	}
	return b, nil
}

// bundleParts delimits the entries of a Bundle, without normalizing them,
// and its link.
func bundleParts(body []byte) (entries []json.RawMessage, link json.RawMessage, err error) {
	var doc struct {
		Entry json.RawMessage `json:"entry"`
		Link  json.RawMessage `json:"link"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, reason.New(reason.MalformedJSON, "the Bundle is not a JSON object")
	}
	if !isAbsent(doc.Entry) && json.Unmarshal(doc.Entry, &entries) != nil {
		return nil, nil, reason.New(reason.MalformedBundle, "Bundle.entry is not an array")
	}
	return entries, doc.Link, nil
}

// entryItems normalizes each entry on its own.
func entryItems(entries []json.RawMessage) []Item {
	items := make([]Item, 0, len(entries))
	for _, e := range entries {
		items = append(items, entryItem(e))
	}
	return items
}

// entryItem delimits entry.resource and normalizes it. The raw kept is the
// resource's own JSON, byte for byte as it appeared in the Bundle, or the
// entry's when it has no resource.
func entryItem(e json.RawMessage) Item {
	var entry struct {
		Resource json.RawMessage `json:"resource"`
	}
	if json.Unmarshal(e, &entry) != nil || isAbsent(entry.Resource) {
		return Item{Raw: bytes.Clone(e), Err: reason.New(reason.MalformedEntry, "the Bundle entry has no resource object")}
	}
	return normalizeItem(entry.Resource)
}

// isAbsent reports whether a raw element is missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// next returns the url of the link with relation "next", or "".
func (b *bundle) next() string {
	for _, l := range b.links {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}
