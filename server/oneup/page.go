package oneup

import (
	"encoding/json"
	"net/url"
)

// decodePage turns a search response body into a Page. The body must be a
// Bundle whose entry and link are arrays; the next link, resolved against
// the page's URL, must stay on the base URL's scheme and host.
func (c *Client) decodePage(body []byte, pageURL *url.URL) (*Page, error) {
	if len(body) > maxPageBytes {
		return nil, malformed("the page is larger than the limit")
	}
	if !isJSONObject(body) {
		return nil, malformed("the page is not a JSON object")
	}
	var probe struct {
		ResourceType string `json:"resourceType"`
	}
	if json.Unmarshal(body, &probe) != nil || probe.ResourceType != "Bundle" {
		return nil, malformed("the page is not a FHIR Bundle")
	}
	b, err := decodeBundle(body)
	if err != nil || !b.linksOK {
		return nil, malformed("the Bundle's entry or link is not an array")
	}
	next, err := c.resolveNext(b.next(), pageURL)
	if err != nil {
		return nil, err
	}
	return &Page{Items: b.items, Next: next}, nil
}

// resolveNext checks the next link (taken as given, relative links
// resolved against the current page).
func (c *Client) resolveNext(next string, pageURL *url.URL) (string, error) {
	if next == "" {
		return "", nil
	}
	u, err := pageURL.Parse(next)
	if err != nil {
		return "", malformed("the next link is not a URL")
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return "", malformed("the next link leaves the base URL's host")
	}
	return u.String(), nil
}
