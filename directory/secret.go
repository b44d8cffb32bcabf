package directory

import "log/slog"

// Secret is a credential Berth holds for the directory (the service
// account's bind password, an OIDC client secret). It never prints:
// String, GoString, LogValue and MarshalJSON all redact it, so a
// configuration can be logged or shown on a page whole. Reveal is the one
// way to read it, for the bind that needs it.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string { return redacted }

// GoString redacts s under %#v too.
func (s Secret) GoString() string { return redacted }

// LogValue redacts s in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON redacts s in any JSON answer.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }
