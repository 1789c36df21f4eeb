package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/connevents/connevents/server/reason"
)

// strictQuery refuses a query string that does not parse, or a parameter
// that names no field of the route's request (by its proto or JSON name,
// dotted into nested messages; on a route whose request is the whole body,
// none does): grpc-gateway would ignore it, so that a misspelt filter
// (filter.patiant) widened a read to every event. INVALID_REQUEST, as an
// unknown field of a JSON body is. It runs after requireKey, on matched
// routes only.
func strictQuery(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if err := checkQuery(r); err != nil {
			WriteError(w, err)
			return
		}
		next(w, r, params)
	}
}

func checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return reason.New(reason.InvalidRequest, "the query string is malformed")
	}
	rr := routeOf(r)
	for key := range values {
		if rr.input == nil || rr.bodyAll || !isField(rr.input, key) {
			return reason.New(reason.InvalidRequest, unknownParameter(rr.input, key))
		}
	}
	return nil
}

// unknownParameter says which part of key's path is known, by the
// request's own field names, never by repeating key: a client may put
// anything there, even a patient id ("?123456789").
func unknownParameter(md protoreflect.MessageDescriptor, key string) string {
	if prefix := knownPrefix(md, key); prefix != "" {
		return "a query parameter names no field of " + prefix
	}
	return "a query parameter names no field of this call's request"
}

// knownPrefix returns the longest leading part of the dotted path that
// names a message field of md, in JSON names ("" for none).
func knownPrefix(md protoreflect.MessageDescriptor, path string) string {
	var known []string
	for _, name := range strings.Split(path, ".") {
		if md == nil {
			break
		}
		fd := fieldNamed(md, name)
		if fd == nil || fd.Message() == nil || fd.IsList() || fd.IsMap() {
			break
		}
		known = append(known, fd.JSONName())
		md = fd.Message()
	}
	return strings.Join(known, ".")
}

// isField reports whether the dotted path names a field of md.
func isField(md protoreflect.MessageDescriptor, path string) bool {
	parts := strings.Split(path, ".")
	for i, name := range parts {
		fd := fieldNamed(md, name)
		switch {
		case fd == nil:
			return false
		case i == len(parts)-1:
			return true
		case fd.Message() == nil || fd.IsList() || fd.IsMap():
			return false
		}
		md = fd.Message()
	}
	return false
}

// fieldNamed is md's field of that proto or JSON name, or nil.
func fieldNamed(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	if fd := md.Fields().ByTextName(name); fd != nil {
		return fd
	}
	return md.Fields().ByJSONName(name)
}
