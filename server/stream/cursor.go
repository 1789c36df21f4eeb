package stream

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"

	"github.com/connevents/connevents/server/reason"
)

// A cursor is "c1" + the database id's bytes + the sequence (8 bytes, big
// endian), base64url-encoded. The database id makes a cursor from another
// database recognisable instead of silently meaning another position.
const cursorVersion = "c1"

// EncodeCursor returns the cursor of a position in database dbID.
func EncodeCursor(dbID string, seq int64) string {
	b := make([]byte, 0, len(cursorVersion)+len(dbID)+8)
	b = append(b, cursorVersion...)
	b = append(b, dbID...)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

var errCursorInvalid = reason.New(reason.CursorInvalid, "the cursor is malformed")

// DecodeCursor returns the sequence of a cursor issued by database dbID, or
// a *reason.Error (CURSOR_INVALID, CURSOR_OTHER_DATABASE).
func DecodeCursor(dbID, cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < len(cursorVersion)+8 || string(b[:len(cursorVersion)]) != cursorVersion {
		return 0, errCursorInvalid
	}
	id, seqBytes := b[len(cursorVersion):len(b)-8], b[len(b)-8:]
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
func checkRetained(dbID string, seq, oldest, head int64) error {
	if seq < oldest-1 {
		return &reason.Error{
			Reason:  reason.CursorExpired,
			Message: "the cursor is older than the retained log; resume from oldest_cursor (events in between are gone)",
			Metadata: map[string]string{
				"oldest_cursor":   EncodeCursor(dbID, oldest-1),
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
