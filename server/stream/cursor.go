package stream

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"

	"google.golang.org/grpc/codes"

	"github.com/connevents/connevents/server/api"
)

// Cursor reasons (ErrorInfo.reason).
const (
	ReasonCursorInvalid       = "CURSOR_INVALID"
	ReasonCursorExpired       = "CURSOR_EXPIRED"
	ReasonCursorOtherDatabase = "CURSOR_OTHER_DATABASE"
	ReasonCursorAhead         = "CURSOR_AHEAD_OF_LOG"
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

// DecodeCursor returns the sequence of a cursor issued by database dbID.
func DecodeCursor(dbID, cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < len(cursorVersion)+8 || string(b[:len(cursorVersion)]) != cursorVersion {
		return 0, api.WithReason(codes.InvalidArgument, ReasonCursorInvalid, "the cursor is malformed", nil)
	}
	id, seqBytes := b[len(cursorVersion):len(b)-8], b[len(b)-8:]
	if string(id) != dbID {
		return 0, api.WithReason(codes.FailedPrecondition, ReasonCursorOtherDatabase,
			"the cursor was issued by another database; start again from a start_position", nil)
	}
	seq := int64(binary.BigEndian.Uint64(seqBytes))
	if seq < 0 {
		return 0, api.WithReason(codes.InvalidArgument, ReasonCursorInvalid, "the cursor is malformed", nil)
	}
	return seq, nil
}

// checkRetained rejects a position the log no longer holds, or has not
// reached.
func checkRetained(dbID string, seq, oldest, head int64) error {
	if seq < oldest-1 {
		return api.WithReason(codes.FailedPrecondition, ReasonCursorExpired,
			"the cursor is older than the retained log; resume from oldest_cursor (events in between are gone)",
			map[string]string{
				"oldest_cursor":   EncodeCursor(dbID, oldest-1),
				"oldest_sequence": strconv.FormatInt(oldest, 10),
			})
	}
	if seq > head {
		return api.WithReason(codes.FailedPrecondition, ReasonCursorAhead,
			"the cursor is ahead of the log (was the database restored?); start again from a start_position", nil)
	}
	return nil
}
