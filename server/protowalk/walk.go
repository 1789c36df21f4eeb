// Package protowalk visits the text, the enum values and the lists of a
// protobuf message, nested messages and map keys included, naming each by
// its path of field names. The service's text rules (ingest.Storable for
// events, the API's request check) are written on it.
package protowalk

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Path is the fields from the message walked down to a value.
type Path []protoreflect.FieldDescriptor

// String names the path by field names only, such as
// patient.external_id: never a list index or a map key, which may be
// personal data.
func (p Path) String() string {
	names := make([]string, len(p))
	for i, fd := range p {
		names[i] = string(fd.Name())
	}
	return strings.Join(names, ".")
}

// Visitor is called for what Walk finds; a nil func is not called. The
// first error stops the walk.
type Visitor struct {
	// Text is called with every string: a field's value, a list's
	// element, a map's key or value.
	Text func(p Path, s string) error
	// List is called with the length of every non-empty list and map.
	List func(p Path, n int) error
	// Enum is called with every enum value set (a field's, a list's
	// element, a map's value) and the enum it should be one of.
	Enum func(p Path, e protoreflect.EnumDescriptor, n protoreflect.EnumNumber) error
}

// Walk visits every populated field of m in field order.
func Walk(m protoreflect.Message, v Visitor) error {
	return v.message(m, make(Path, 0, 8))
}

func (v Visitor) message(m protoreflect.Message, p Path) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
		err = v.field(fd, val, append(p, fd))
		return err == nil
	})
	return err
}

func (v Visitor) field(fd protoreflect.FieldDescriptor, val protoreflect.Value, p Path) error {
	switch {
	case fd.IsList():
		l := val.List()
		if err := v.list(p, l.Len()); err != nil {
			return err
		}
		for i := range l.Len() {
			if err := v.value(fd, l.Get(i), p); err != nil {
				return err
			}
		}
		return nil
	case fd.IsMap():
		mp := val.Map()
		if err := v.list(p, mp.Len()); err != nil {
			return err
		}
		var err error
		mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			err = v.value(fd.MapKey(), k.Value(), p)
			if err == nil {
				err = v.value(fd.MapValue(), mv, p)
			}
			return err == nil
		})
		return err
	}
	return v.value(fd, val, p)
}

func (v Visitor) list(p Path, n int) error {
	if v.List == nil {
		return nil
	}
	return v.List(p, n)
}

func (v Visitor) value(fd protoreflect.FieldDescriptor, val protoreflect.Value, p Path) error {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if v.Text != nil {
			return v.Text(p, val.String())
		}
	case protoreflect.EnumKind:
		if v.Enum != nil {
			return v.Enum(p, fd.Enum(), val.Enum())
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return v.message(val.Message(), p)
	}
	return nil
}
