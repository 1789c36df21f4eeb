package bench

import (
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the naive receiver's database

	"github.com/connevents/connevents/server/fasten"
)

// naiveReceiver is what a team would write by hand: verify the signature,
// then one autocommit INSERT per delivery (SQLite, WAL, synchronous=FULL
// like connevents; one connection, since concurrent SQLite writers only
// wait on each other's lock).
func naiveReceiver(path string) (http.Handler, func(), error) {
	q := url.Values{"_pragma": {"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)"}}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	const schema = `CREATE TABLE IF NOT EXISTS deliveries (
		id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)`
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, nil, err
	}
	v, err := fasten.NewVerifier([]string{Secret})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		hdr := fasten.Headers{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"), Signature: r.Header.Get("webhook-signature")}
		if err := v.Verify(hdr, body, time.Now()); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		_, err = db.Exec(`INSERT INTO deliveries (id, received_at, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			hdr.ID, time.Now().UnixNano(), body)
		if err != nil {
			http.Error(w, "storage", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	return h, func() { db.Close() }, nil
}
