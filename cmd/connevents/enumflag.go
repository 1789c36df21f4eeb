package main

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoEnum is a generated enum type such as conneventsv1.EventType.
type protoEnum interface {
	~int32
	Descriptor() protoreflect.EnumDescriptor
}

// enumFlag appends the enum value named by a flag to values. The name may
// omit the type prefix and is case-insensitive: "data_transfer_failed" and
// "EVENT_TYPE_DATA_TRANSFER_FAILED" are the same value.
func enumFlag[E protoEnum](values *[]E) func(string) error {
	return func(s string) error {
		var zero E
		d := zero.Descriptor()
		prefix := enumPrefix(d)
		name := strings.ToUpper(strings.TrimSpace(s))
		if !strings.HasPrefix(name, prefix) {
			name = prefix + name
		}
		v := d.Values().ByName(protoreflect.Name(name))
		if v == nil || v.Number() == 0 {
			return fmt.Errorf("unknown value %q", s)
		}
		*values = append(*values, E(v.Number()))
		return nil
	}
}

// enumPrefix is the common prefix of an enum's values: its zero value's name
// without UNSPECIFIED.
func enumPrefix(d protoreflect.EnumDescriptor) string {
	return strings.TrimSuffix(string(d.Values().ByNumber(0).Name()), "UNSPECIFIED")
}

// enumFlag1 is enumFlag for a single value: the last one given wins.
func enumFlag1[E protoEnum](value *E) func(string) error {
	return func(s string) error {
		var vs []E
		if err := enumFlag(&vs)(s); err != nil {
			return err
		}
		*value = vs[0]
		return nil
	}
}
