package stream

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"

	"github.com/connevents/connevents/server/reason"
)

// A cursor is its log's version tag + the database id's bytes + the
// position (8 bytes, big endian), base64url-encoded. The tag keeps a cursor
// of one log (events: "c1", journey changes: "j1") from meaning a position
// in the other; the database id makes a cursor from another database
// recognisable instead of silently meaning another position.
type cursorTag string

const (
	eventCursor   cursorTag = "c1"
	journeyCursor cursorTag = "j1"
)

// EncodeCursor returns the cursor of an event sequence in database dbID.
func EncodeCursor(dbID string, seq int64) string { return eventCursor.encode(dbID, seq) }

// DecodeCursor returns the event sequence of a cursor issued by database
// dbID, or a *reason.Error (CURSOR_INVALID, CURSOR_OTHER_DATABASE).
func DecodeCursor(dbID, cursor string) (int64, error) { return eventCursor.decode(dbID, cursor) }

// EncodeJourneyCursor returns the cursor of a journey change in database
// dbID.
func EncodeJourneyCursor(dbID string, seq int64) string { return journeyCursor.encode(dbID, seq) }

// DecodeJourneyCursor returns the journey change position of a cursor
// issued by database dbID, or a *reason.Error.
func DecodeJourneyCursor(dbID, cursor string) (int64, error) {
	return journeyCursor.decode(dbID, cursor)
}

func (tag cursorTag) encode(dbID string, seq int64) string {
	b := make([]byte, 0, len(tag)+len(dbID)+8)
	b = append(b, tag...)
	b = append(b, dbID...)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

var errCursorInvalid = reason.New(reason.CursorInvalid, "the cursor is malformed, or belongs to another kind of subscription")

func (tag cursorTag) decode(dbID, cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < len(tag)+8 || string(b[:len(tag)]) != string(tag) {
		return 0, errCursorInvalid
	}
	id, seqBytes := b[len(tag):len(b)-8], b[len(b)-8:]
	if string(id) != dbID {
		return 0, reason.New(reason.CursorOtherDatabase,
			"the cursor was issued by another database; start again from a start_position")
	}
	seq := int64(binary.BigEndian.Uint64(seqBytes))
	if seq < 0 {
		return 0, errCursorInvalid
	}
	return seq, nil
}

// checkRetained rejects a position the log no longer holds
// (CURSOR_EXPIRED), or has not reached (CURSOR_AHEAD_OF_LOG).
func (tag cursorTag) checkRetained(dbID string, seq, oldest, head int64) error {
	if seq < oldest-1 {
		return &reason.Error{
			Reason:  reason.CursorExpired,
			Message: "the cursor is older than the retained log; resume from oldest_cursor (what lay in between is gone)",
			Metadata: map[string]string{
				"oldest_cursor":   tag.encode(dbID, oldest-1),
				"oldest_sequence": strconv.FormatInt(oldest, 10),
			},
		}
	}
	if seq > head {
		return reason.New(reason.CursorAheadOfLog,
			"the cursor is ahead of the log (was the database restored?); start again from a start_position")
	}
	return nil
}
