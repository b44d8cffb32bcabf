// Package errcode writes the registry's JSON error format,
// {"errors":[{"code":"DENIED","message":"..."}]}, for every Berth answer a
// registry client reads: the token endpoint, the entitlement gate in front
// of /v2/ and the proxy to an external registry. It is the one writer of
// that format, so that clients parse every refusal alike (distribution's
// registry/api/errcode is the model).
package errcode

import (
	"encoding/json"
	"net/http"
)

// Codes Berth answers with that distribution's clients know by name.
const (
	// Denied refuses a caller who is known but may not.
	Denied = "DENIED"
	// Unauthorized asks for credentials.
	Unauthorized = "UNAUTHORIZED"
	// Unavailable says Berth or the registry behind it cannot answer now.
	Unavailable = "UNAVAILABLE"
	// TooManyRequests says an allowance, such as a pull quota, is used up.
	TooManyRequests = "TOOMANYREQUESTS"
	// NameInvalid refuses a repository name Berth does not take.
	NameInvalid = "NAME_INVALID"
	// ManifestUnknown says a manifest (here: a tag its publisher
	// withdrew) is not there.
	ManifestUnknown = "MANIFEST_UNKNOWN"
)

// ContentType is the media type of an error body.
const ContentType = "application/json; charset=utf-8"

// entry is one error of the format (Berth sends no detail).
type entry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Body is the format's document holding one error, newline-terminated.
func Body(code, message string) []byte {
	// Two strings always marshal (invalid UTF-8 becomes U+FFFD).
	b, _ := json.Marshal(struct {
		Errors []entry `json:"errors"`
	}{[]entry{{Code: code, Message: message}}})
	return append(b, '\n')
}

// Write answers w with status and Body(code, message), as the registry
// API does (Docker-Distribution-Api-Version names it).
func Write(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.WriteHeader(status)
	_, _ = w.Write(Body(code, message))
}
