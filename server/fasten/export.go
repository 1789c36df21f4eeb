package fasten

import (
	"encoding/json"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// setExport reads the download links (both the `download_links` array and
// the older single `download_link` URL) and the optional stats. Fasten has
// deprecated stats in favour of download_links; it is read while it is sent.
func setExport(ev *conneventsv1.ConnectionEvent, d fields) {
	export := &conneventsv1.Export{DownloadLinks: downloadLinks(d)}
	if stats, ok := d.object("stats"); ok {
		export.TotalResources, _ = stats.integer("total_resources")
		export.ResourcesByType = countsByType(stats)
	}
	ev.Export = nonEmpty(export)
}

// downloadLinks returns the entries of download_links as sent, then the
// legacy download_link unless the array already holds that URL. Entries
// without a URL are skipped; a bare string entry is taken as a URL.
func downloadLinks(d fields) []*conneventsv1.DownloadLink {
	var links []*conneventsv1.DownloadLink
	for _, raw := range d.array("download_links") {
		if link := downloadLink(raw); link != nil {
			links = append(links, link)
		}
	}
	if url := d.str("download_link"); url != "" && !hasURL(links, url) {
		links = append(links, &conneventsv1.DownloadLink{Url: url})
	}
	return links
}

func downloadLink(raw json.RawMessage) *conneventsv1.DownloadLink {
	var link *conneventsv1.DownloadLink
	if item, ok := object(raw); ok {
		link = &conneventsv1.DownloadLink{
			Url:         item.str("url"),
			ExportType:  item.str("export_type"),
			ContentType: item.str("content_type"),
		}
	} else if isString(raw) {
		link = &conneventsv1.DownloadLink{Url: fields{"url": raw}.str("url")}
	}
	if link == nil || link.Url == "" {
		return nil
	}
	return link
}

func hasURL(links []*conneventsv1.DownloadLink, url string) bool {
	for _, l := range links {
		if l.Url == url {
			return true
		}
	}
	return false
}

// countsByType reads total_by_resource_type; non-integer counts are skipped.
func countsByType(stats fields) map[string]int64 {
	byType, ok := stats.object("total_by_resource_type")
	if !ok || len(byType) == 0 {
		return nil
	}
	counts := make(map[string]int64, len(byType))
	for resourceType, raw := range byType {
		if n, ok := parseInteger(raw); ok {
			counts[resourceType] = n
		}
	}
	return counts
}
